#pragma once
// The one gate for URLs a server hands us: a redirect's Location, a tree listing's
// `Link: rel=next`, the LFS batch answer's upload and verify hrefs. libcurl speaks many
// protocols (file://, gopher://, dict://, ftp://, …): a URL taken from a server as given could
// write an upload over a local file, read a local file into the cache, or send attacker-chosen
// bytes to a local service. Every such URL goes through check_server_url() before any request
// is made with it; http.cpp's protocol allow-list (CURLOPT_PROTOCOLS_STR) is the second wall.
//
// Rules (pure, unit-tested in test/unit/hub/test_server_url.cpp):
// * only http:// and https:// (scheme compared case-insensitively, so FILE:// is file://);
// * when the endpoint is https, only https (no downgrade to clear text where a proxy could
//   rewrite a download), unless KCPP_ALLOW_HTTP_REDIRECTS=1;
// * printable ASCII only: no spaces, control characters, backslashes or bytes ≥ 0x80 (parsers
//   disagree on them, and curl would send them raw);
// * an authority with a host; no user:password@ (credentials from a server, and the classic
//   `https://huggingface.co@evil.example` confusion); a port of 1–65535 if any;
// * a relative reference (`/path`, `path`, `//host/path`, `?query`) resolves against the
//   request URL it came with (RFC 3986 §5.2); a fragment is dropped.
#include <string>
#include <string_view>

namespace kcpp::hub {

struct UrlPolicy {
  bool https_only = false;  // the endpoint is https and the opt-out is not set
};

// The policy for ENDPOINT: https_only when it is https, unless ALLOW_HTTP (KCPP_ALLOW_HTTP_REDIRECTS).
UrlPolicy url_policy(std::string_view endpoint, bool allow_http);

// URL (absolute, or relative to BASE, the URL of the request whose answer held it) made
// absolute and checked against POLICY. WHAT says where it came from, for the message
// ("the redirect (Location) of HEAD …", "the LFS upload href for 'build/x.so'").
// Throws kcpp::Error(http) naming WHAT and the URL (redacted, control characters escaped,
// shortened), with the reason and a hint.
std::string check_server_url(std::string_view url, std::string_view base, const UrlPolicy& policy,
                             std::string_view what);

// RFC 3986 §5.2 resolution of REF against BASE (an absolute http(s) URL of ours); REF
// unchanged when it has a scheme. No checks: check_server_url() does them on the result.
std::string resolve_reference(std::string_view base, std::string_view ref);

}  // namespace kcpp::hub
