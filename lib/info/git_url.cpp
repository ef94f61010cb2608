#include "info/git_url.hpp"
#include "core/strings.hpp"

#include <fmt/core.h>

#include <cctype>
#include <vector>

namespace kcpp::info {

namespace {

// Percent-encodes C0 controls, space, non-ASCII bytes and the characters in EXTRA.
std::string encode(std::string_view s, std::string_view extra) {
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || extra.find(ch) != std::string_view::npos)
      out += fmt::format("%{:02X}", c);
    else
      out += ch;
  }
  return out;
}

// Resolves "." and ".." segments (also their %2e spellings) of an absolute path.
std::string resolve_dots(std::string_view path, bool special) {
  std::vector<std::string> segs;
  std::size_t start = 1;  // skip the leading "/"
  while (true) {
    std::size_t end = path.find_first_of(special ? "/\\" : "/", start);
    std::string seg(path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    std::string l = strings::ascii_lower(seg);
    bool last = end == std::string_view::npos;
    if (l == "." || l == "%2e") {
      if (last) segs.emplace_back();
    } else if (l == ".." || l == ".%2e" || l == "%2e." || l == "%2e%2e") {
      if (!segs.empty()) segs.pop_back();
      if (last) segs.emplace_back();
    } else {
      segs.push_back(seg);
    }
    if (last) break;
    start = end + 1;
  }
  std::string out;
  for (const auto& s : segs) out += "/" + s;
  return out.empty() ? "/" : out;
}

std::string serialize(const std::string& scheme, std::string_view authority, std::string_view rest) {
  const bool special = scheme == "http" || scheme == "https";
  std::string userinfo;
  std::string_view hostport = authority;
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    userinfo = std::string(authority.substr(0, at + 1));
    hostport = authority.substr(at + 1);
  }
  std::string host(hostport), port;
  if (auto colon = hostport.rfind(':'); colon != std::string_view::npos && hostport.find(']', colon) == std::string_view::npos) {
    host = std::string(hostport.substr(0, colon));
    port = std::string(hostport.substr(colon + 1));
  }
  if (special) host = strings::ascii_lower(host);
  if (!port.empty()) {
    std::size_t nz = port.find_first_not_of('0');
    port = nz == std::string::npos ? "0" : port.substr(nz);
  }
  if ((scheme == "http" && port == "80") || (scheme == "https" && port == "443")) port.clear();

  std::string_view path = rest, query, fragment;
  bool has_query = false, has_fragment = false;
  if (auto hash = path.find('#'); hash != std::string_view::npos) {
    fragment = path.substr(hash + 1);
    has_fragment = true;
    path = path.substr(0, hash);
  }
  if (auto q = path.find('?'); q != std::string_view::npos) {
    query = path.substr(q + 1);
    has_query = true;
    path = path.substr(0, q);
  }
  std::string p;
  if (!path.empty()) p = resolve_dots(encode(path, "\"#<>?`{}"), special);
  else if (special) p = "/";
  if (special) for (auto& c : p) if (c == '\\') c = '/';

  std::string out = scheme + "://" + userinfo + host + (port.empty() ? "" : ":" + port) + p;
  if (has_query) out += "?" + encode(query, special ? "\"#<>'" : "\"#<>");
  if (has_fragment) out += "#" + encode(fragment, "\"<>`");
  return out;
}

}  // namespace

std::string normalize_git_url(std::string_view s) {
  std::size_t colon = s.find(':');
  bool has_scheme = colon != std::string_view::npos && colon > 0 && std::isalpha(static_cast<unsigned char>(s[0]));
  for (std::size_t i = 0; has_scheme && i < colon; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (!(std::isalnum(c) || c == '+' || c == '-' || c == '.')) has_scheme = false;
  }
  if (!has_scheme) {
    if (colon == std::string_view::npos) return std::string(s);
    // scp-like "[user@]host:path" (how is_valid_git_url accepted it): ssh://[user@]host/path
    return serialize("ssh", s.substr(0, colon), "/" + std::string(s.substr(colon + 1)));
  }
  std::string scheme = strings::ascii_lower(s.substr(0, colon));
  std::string_view rest = s.substr(colon + 1);
  const bool special = scheme == "http" || scheme == "https";
  if (special) {
    while (!rest.empty() && (rest.front() == '/' || rest.front() == '\\')) rest.remove_prefix(1);
  } else if (rest.substr(0, 2) == "//") {
    rest.remove_prefix(2);
  } else {
    return scheme + ":" + std::string(rest);  // opaque path, e.g. "ssh:foo"
  }
  std::size_t end = rest.find_first_of(special ? "/\\?#" : "/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  return serialize(scheme, authority, tail);
}

}  // namespace kcpp::info
