#include "hub/commit_payload.hpp"

#include <nlohmann/json.hpp>

#include "core/base64.hpp"

namespace kcpp::hub {

namespace {

using json = nlohmann::ordered_json;

std::string line(const char* key, json value) {
  // Summaries may quote arbitrary text: replace invalid UTF-8 rather than fail the commit.
  // Paths were checked by repo_path_problem (valid UTF-8) before they get here.
  return json{{"key", key}, {"value", std::move(value)}}.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

// Well-formed UTF-8 sequences (lead bytes and continuation bytes; enough to keep paths
// that JSON cannot carry from reaching the wire).
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    if (c < 0x80)
      extra = 0;
    else if (c >= 0xc2 && c <= 0xdf)
      extra = 1;
    else if ((c & 0xf0) == 0xe0)
      extra = 2;
    else if (c >= 0xf0 && c <= 0xf4)
      extra = 3;
    else
      return false;
    if (i + extra >= s.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace

std::string ndjson_header(const std::string& summary, const std::string& description,
                          const std::optional<std::string>& parent_commit) {
  json v{{"summary", summary}, {"description", description}};
  if (parent_commit) v["parentCommit"] = *parent_commit;
  return line("header", std::move(v));
}

std::string ndjson_file(const std::string& path, std::string_view content) {
  return line("file", json{{"content", base64_encode(content)}, {"path", path}, {"encoding", "base64"}});
}

std::string ndjson_lfs_file(const std::string& path, const std::string& sha256, std::uint64_t size) {
  return line("lfsFile", json{{"path", path}, {"algo", "sha256"}, {"oid", sha256}, {"size", size}});
}

std::string ndjson_deleted_file(const std::string& path) { return line("deletedFile", json{{"path", path}}); }

std::string ndjson_deleted_folder(const std::string& path) { return line("deletedFolder", json{{"path", path}}); }

std::string repo_path_problem(std::string_view path) {
  if (path.empty()) return "the path is empty";
  if (path.size() > 1000) return "the path is longer than 1000 bytes";
  if (path.find('\0') != std::string_view::npos) return "the path contains a NUL byte";
  if (path.find('\\') != std::string_view::npos) return "the path contains a backslash (use '/')";
  if (path.front() == '/') return "the path must be relative (no leading '/')";
  if (!valid_utf8(path)) return "the path is not valid UTF-8";
  std::size_t pos = 0;
  while (pos <= path.size()) {
    auto slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    auto part = path.substr(pos, slash - pos);
    if (part.empty()) return "the path has an empty component ('//' or a trailing '/')";
    if (part == "." || part == "..") return "the path has a '.' or '..' component";
    if (part == ".git") return "the path has a '.git' component";
    pos = slash + 1;
  }
  return {};
}

std::string rewrite_hub_href(const std::string& href, const std::string& endpoint) {
  static constexpr std::string_view kHub = "https://huggingface.co";
  if (!href.starts_with(kHub) || endpoint == kHub) return href;
  if (href.size() > kHub.size()) {
    char next = href[kHub.size()];
    if (next != '/' && next != '?' && next != '#') return href;  // another host or a port
  }
  return endpoint + href.substr(kHub.size());
}

std::optional<int> pr_number_from_url(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  constexpr std::string_view kMarker = "/discussions/";
  auto at = url.rfind(kMarker);
  if (at == std::string_view::npos) return std::nullopt;
  auto digits = url.substr(at + kMarker.size());
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  int n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace kcpp::hub
