#pragma once
// The absolute URLs kernels-hub puts in its answers (Link pages, commitUrl, pullRequestUrl,
// repository urls, LFS redirects and upload hrefs) and where they come from.
//
// Never from the request: a Host header is whatever the client (or anyone who can make a
// victim's browser or proxy send a request) wrote, so `Host: evil.example` would send the
// next page of a listing, or an LFS download, to evil.example. The base is configured
// (`serve --public-url`, `--lfs-url`) or, without that, the address the server listens on.
#include <optional>
#include <string>
#include <string_view>

namespace kcpp::server {

// "http[s]://HOST[:PORT][/PREFIX]" checked and normalised (no trailing '/'); throws
// kcpp::Error(usage) naming WHAT (the flag) for anything else: other schemes, user info,
// a query or fragment, spaces or control characters, a bad port.
std::string normalize_base_url(std::string_view url, std::string_view what);

// The host of a normalised base URL ("[::1]" keeps its brackets).
std::string base_url_host(std::string_view base_url);

// Whether HOST is a wildcard listen address (0.0.0.0, ::), which clients cannot connect to.
bool is_wildcard_host(std::string_view host);

struct PublicUrls {
  std::string api;  // base of API URLs: Link pages, commitUrl, LFS upload hrefs, ...
  std::string lfs;  // base of LFS redirects (Location of resolve's 302, batch download hrefs)
};

// PUBLIC_URL (the API) else http://BIND_HOST:API_PORT; LFS_URL else http://HOST:LFS_PORT, HOST
// being PUBLIC_URL's host when given (the name clients reach this machine by), else BIND_HOST.
// Both URLs normalised, IPv6 hosts in brackets.
PublicUrls public_urls(const std::optional<std::string>& public_url, const std::optional<std::string>& lfs_url,
                       const std::string& bind_host, int api_port, int lfs_port);

}  // namespace kcpp::server
