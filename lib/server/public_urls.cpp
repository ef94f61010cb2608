#include "server/public_urls.hpp"

#include <cctype>
#include <charconv>

#include "core/error.hpp"
#include "core/log.hpp"

namespace kcpp::server {

namespace {

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
         c == '_';
}

bool is_path_char(char c) { return is_host_char(c) || c == '/' || c == '~' || c == '%' || c == '+'; }

std::string bracketed(const std::string& host) {
  return host.find(':') != std::string::npos && host.front() != '[' ? "[" + host + "]" : host;
}

}  // namespace

std::string normalize_base_url(std::string_view url, std::string_view what) {
  auto bad = [&](const std::string& why) {
    return usage_error(std::string(what) + ": '" + log::escape_controls(url) + "' is not a base URL: " + why)
        .hint("give http[s]://HOST[:PORT][/PREFIX], the address clients use to reach this server");
  };
  std::string_view rest = url;
  std::string scheme;
  for (std::string_view s : {"http://", "https://"})
    if (rest.substr(0, s.size()) == s) scheme = std::string(s.substr(0, s.size() - 3));
  if (scheme.empty()) throw bad("it must start with http:// or https://");
  rest.remove_prefix(scheme.size() + 3);
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash), path = slash == std::string_view::npos ? "" : rest.substr(slash);
  std::string_view host = authority;
  std::optional<std::string_view> port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) throw bad("unclosed '[' in the host");
    host = authority.substr(0, close + 1);
    for (char c : host.substr(1, host.size() - 2))
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) throw bad("invalid IPv6 address");
    auto after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') throw bad("junk after the IPv6 address");
    if (!after.empty()) port = after.substr(1);
  } else {
    if (auto colon = authority.find(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (host.empty()) throw bad("no host");
    for (char c : host)
      if (!is_host_char(c)) throw bad("invalid character in the host (user info, spaces, ... are not allowed)");
  }
  if (host.size() > 253) throw bad("host name too long");
  if (port) {
    unsigned n = 0;
    auto [end, ec] = std::from_chars(port->data(), port->data() + port->size(), n);
    if (port->empty() || ec != std::errc() || end != port->data() + port->size() || n == 0 || n > 65535)
      throw bad("invalid port");
  }
  for (char c : path)
    if (!is_path_char(c)) throw bad("the path may hold only letters, digits and -._~%+/ (no query or fragment)");
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::string out = scheme + "://" + std::string(host);
  if (port) out += ":" + std::string(*port);
  return out + std::string(path);
}

std::string base_url_host(std::string_view base_url) {
  auto rest = base_url.substr(base_url.find("://") + 3);
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest.front() == '[') return std::string(rest.substr(0, rest.find(']') + 1));
  return std::string(rest.substr(0, rest.find(':')));
}

bool is_wildcard_host(std::string_view host) {
  return host == "0.0.0.0" || host == "::" || host == "[::]" || host == "0:0:0:0:0:0:0:0";
}

PublicUrls public_urls(const std::optional<std::string>& public_url, const std::optional<std::string>& lfs_url,
                       const std::string& bind_host, int api_port, int lfs_port) {
  PublicUrls out;
  out.api = public_url ? normalize_base_url(*public_url, "--public-url")
                       : "http://" + bracketed(bind_host) + ":" + std::to_string(api_port);
  if (lfs_url) {
    out.lfs = normalize_base_url(*lfs_url, "--lfs-url");
  } else {
    std::string host = public_url ? base_url_host(out.api) : bracketed(bind_host);
    out.lfs = "http://" + host + ":" + std::to_string(lfs_port);
  }
  return out;
}

}  // namespace kcpp::server
