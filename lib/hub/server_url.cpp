#include "hub/server_url.hpp"

#include <fmt/core.h>

#include <optional>
#include <vector>

#include "core/error.hpp"
#include "core/log.hpp"

namespace kcpp::hub {

namespace {

// A presigned URL is a few hundred bytes to a few KiB; anything far longer is not a URL a
// Hub means (and is shown shortened in messages).
constexpr std::size_t kMaxUrlBytes = 16 * 1024;
constexpr std::size_t kShownBytes = 200;

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The five parts of RFC 3986 §3; authority and query are optional (absent ≠ empty).
struct UrlParts {
  std::string scheme;  // "" when relative
  std::optional<std::string> authority;
  std::string path;
  std::optional<std::string> query;
};

// RFC 3986 appendix B, without the fragment (dropped by the caller).
UrlParts split(std::string_view s) {
  UrlParts p;
  if (auto hash = s.find('#'); hash != std::string_view::npos) s = s.substr(0, hash);
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":", before any '/', '?'.
  std::size_t i = 0;
  if (!s.empty() && is_alpha(s[0])) {
    i = 1;
    while (i < s.size() && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')) ++i;
    if (i < s.size() && s[i] == ':') {
      for (std::size_t k = 0; k < i; ++k) p.scheme += lower(s[k]);
      s.remove_prefix(i + 1);
    }
  }
  if (s.substr(0, 2) == "//") {
    s.remove_prefix(2);
    std::size_t end = s.find_first_of("/?");
    p.authority = std::string(s.substr(0, end));
    s = end == std::string_view::npos ? std::string_view() : s.substr(end);
  }
  std::size_t q = s.find('?');
  p.path = std::string(s.substr(0, q));
  if (q != std::string_view::npos) p.query = std::string(s.substr(q + 1));
  return p;
}

// RFC 3986 §5.2.4.
std::string remove_dot_segments(std::string_view in) {
  std::vector<std::string_view> out;
  const bool absolute = !in.empty() && in.front() == '/';
  if (absolute) in.remove_prefix(1);
  bool trailing_slash = false;
  while (true) {
    std::size_t slash = in.find('/');
    std::string_view seg = in.substr(0, slash);
    const bool last = slash == std::string_view::npos;
    if (seg == ".") {
      trailing_slash = last;
    } else if (seg == "..") {
      if (!out.empty()) out.pop_back();
      trailing_slash = last;
    } else {
      out.push_back(seg);
      trailing_slash = false;
    }
    if (last) break;
    in.remove_prefix(slash + 1);
  }
  std::string s = absolute ? "/" : "";
  for (std::size_t k = 0; k < out.size(); ++k) s += (k ? "/" : "") + std::string(out[k]);
  if (trailing_slash && !s.empty() && s.back() != '/') s += '/';
  return s;
}

std::string join(const UrlParts& p) {
  std::string s = p.scheme + ":";
  if (p.authority) s += "//" + *p.authority;
  s += p.path;
  if (p.query) s += "?" + *p.query;
  return s;
}

// The refusal: names WHAT and the URL as a person may see it.
[[noreturn]] void refuse(std::string_view url, std::string_view what, const std::string& reason,
                         const std::string& hint) {
  std::string shown = log::escape_controls(log::redact(url.substr(0, kShownBytes)));
  if (url.size() > kShownBytes) shown += fmt::format("… ({} bytes)", url.size());
  throw Error(ErrorKind::http, fmt::format("refusing {} from the server: {}", what, shown))
      .cause(reason)
      .hint(hint);
}

const char* kSchemeHint =
    "the server is misconfigured or hostile: a URL it sends must be http:// or https:// (file://, "
    "gopher://, dict://, ftp://, … could read or write local files or reach local services); check HF_ENDPOINT";

// host = "[" IPv6 "]" / reg-name or IPv4 of unreserved characters only (no '%', no sub-delims).
bool valid_host(std::string_view h) {
  if (h.empty()) return false;
  if (h.front() == '[') {
    if (h.size() < 3 || h.back() != ']') return false;
    for (char c : h.substr(1, h.size() - 2))
      if (!(is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f') || c == ':' || c == '.')) return false;
    return true;
  }
  for (char c : h)
    if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~')) return false;
  return true;
}

}  // namespace

UrlPolicy url_policy(std::string_view endpoint, bool allow_http) {
  UrlPolicy p;
  p.https_only = !allow_http && split(endpoint).scheme == "https";
  return p;
}

std::string resolve_reference(std::string_view base_url, std::string_view ref_url) {
  UrlParts ref = split(ref_url);
  if (!ref.scheme.empty()) {
    ref.path = remove_dot_segments(ref.path);
    return join(ref);
  }
  UrlParts base = split(base_url);
  UrlParts t;
  t.scheme = base.scheme;
  if (ref.authority) {
    t.authority = ref.authority;
    t.path = remove_dot_segments(ref.path);
    t.query = ref.query;
    return join(t);
  }
  t.authority = base.authority;
  if (ref.path.empty()) {
    t.path = base.path;
    t.query = ref.query ? ref.query : base.query;
    return join(t);
  }
  if (ref.path.front() == '/') {
    t.path = remove_dot_segments(ref.path);
  } else {
    std::string merged = base.authority && base.path.empty()
                             ? "/" + ref.path
                             : base.path.substr(0, base.path.rfind('/') + 1) + ref.path;
    t.path = remove_dot_segments(merged);
  }
  t.query = ref.query;
  return join(t);
}

std::string check_server_url(std::string_view url, std::string_view base, const UrlPolicy& policy,
                             std::string_view what) {
  if (url.empty()) refuse(url, what, "the URL is empty", "the server is misconfigured; check HF_ENDPOINT");
  if (url.size() > kMaxUrlBytes)
    refuse(url, what, fmt::format("the URL is longer than {} bytes", kMaxUrlBytes),
           "the server is misconfigured or hostile; check HF_ENDPOINT");
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7f || c == '\\')
      refuse(url, what,
             c == '\\'   ? "the URL holds a backslash (URL parsers disagree on what it means)"
             : c >= 0x80 ? "the URL holds a byte that is not ASCII (it must be percent-encoded)"
                         : "the URL holds a space or a control character",
             "the server is misconfigured or hostile; check HF_ENDPOINT");
  }
  const UrlParts given = split(url);
  if (!given.scheme.empty() && given.scheme != "http" && given.scheme != "https")
    refuse(url, what, fmt::format("only http:// and https:// URLs are followed, not {}:", given.scheme), kSchemeHint);
  if (!given.scheme.empty() && !given.authority)
    refuse(url, what, fmt::format("a {}: URL without //host", given.scheme), kSchemeHint);

  const UrlParts u = split(resolve_reference(base, url));
  if (u.scheme != "http" && u.scheme != "https")  // a relative URL against a base that is not ours
    refuse(url, what, "the URL does not resolve to an http:// or https:// URL", kSchemeHint);
  if (policy.https_only && u.scheme != "https")
    refuse(url, what, "the endpoint is https, but this URL would continue over unencrypted http",
           "a proxy could read or change what is sent; if this server really serves files over http, set "
           "KCPP_ALLOW_HTTP_REDIRECTS=1");
  const std::string authority = u.authority.value_or("");
  if (authority.find('@') != std::string::npos)
    refuse(url, what, "the URL carries user:password@ credentials",
           "a server must not send credentials in URLs (and `host@other-host` hides where a request goes)");
  // host[:port], the host possibly an [IPv6] literal.
  std::string_view host = authority, port;
  const auto bracket = authority.rfind(']');
  const auto colon = authority.rfind(':');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    host = std::string_view(authority).substr(0, colon);
    port = std::string_view(authority).substr(colon + 1);
  }
  if (!valid_host(host)) refuse(url, what, "the URL has no valid host", "check HF_ENDPOINT");
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    long value = 0;
    bool digits = !port.empty() && port.size() <= 5;
    for (std::size_t k = 0; digits && k < port.size(); ++k) {
      digits = is_digit(port[k]);
      value = value * 10 + (port[k] - '0');
    }
    if (!digits || value < 1 || value > 65535)
      refuse(url, what, "the URL's port is not a number from 1 to 65535", "check HF_ENDPOINT");
  }
  return join(u);
}

}  // namespace kcpp::hub
