#include "server/repo_path.hpp"

#include "core/error.hpp"
#include "core/log.hpp"

namespace kcpp::server {

namespace {

constexpr char32_t kInvalid = 0xFFFFFFFF;

// Decodes the UTF-8 sequence at S[POS], advancing POS; kInvalid for malformed input
// (truncated, overlong, surrogate, beyond U+10FFFF).
char32_t next_code_point(std::string_view s, std::size_t& pos) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b0 = byte(pos);
  std::size_t len = b0 < 0x80 ? 1 : (b0 & 0xE0) == 0xC0 ? 2 : (b0 & 0xF0) == 0xE0 ? 3 : (b0 & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || pos + len > s.size()) {
    pos = s.size();
    return kInvalid;
  }
  char32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (std::size_t i = 1; i < len; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) {
      pos = s.size();
      return kInvalid;
    }
    cp = (cp << 6) | (byte(pos + i) & 0x3F);
  }
  pos += len;
  static constexpr char32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return kInvalid;
  return cp;
}

// Code points HFS+ drops when it compares names (git's list in utf8.c, next_hfs_char).
bool hfs_ignores(char32_t cp) {
  return (cp >= 0x200C && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x206A && cp <= 0x206F) ||
         cp == 0xFEFF;
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals_prefix(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i)
    if (ascii_lower(s[i]) != lower_prefix[i]) return false;
  return true;
}

// NAME equals "." + WORD on HFS+: case-insensitive, ignorable code points skipped anywhere.
bool hfs_matches_dot(std::string_view name, std::string_view word) {
  std::string folded;
  std::size_t pos = 0;
  while (pos < name.size()) {
    char32_t cp = next_code_point(name, pos);
    if (cp == kInvalid) return false;
    if (hfs_ignores(cp)) continue;
    if (cp > 0x7F) return false;  // the words are ASCII: any other letter differs
    folded += ascii_lower(static_cast<char>(cp));
    if (folded.size() > word.size() + 1) return false;
  }
  return folded.size() == word.size() + 1 && folded[0] == '.' && folded.substr(1) == word;
}

// What NTFS ignores after a name: trailing dots and spaces, and a ":stream" suffix.
bool ntfs_tail_is_empty(std::string_view rest) {
  for (char c : rest) {
    if (c == ':') return true;
    if (c != '.' && c != ' ') return false;
  }
  return true;
}

// NAME is ".WORD" for NTFS, or one of its 8.3 short names: the first six letters of WORD
// followed by "~1" to "~4", or (when those are taken) up to six characters of
// SHORT_PREFIX (a hash Windows derives from the long name) followed by "~" and a number,
// eight characters in all. Same rules as git's is_ntfs_dot_generic (path.c).
bool ntfs_matches_dot(std::string_view name, std::string_view word, std::string_view short_prefix) {
  if (!name.empty() && name[0] == '.' && iequals_prefix(name.substr(1), word))
    return ntfs_tail_is_empty(name.substr(1 + word.size()));
  if (iequals_prefix(name, word.substr(0, 6)) && name.size() >= 8 && name[6] == '~' && name[7] >= '1' &&
      name[7] <= '4')
    return ntfs_tail_is_empty(name.substr(8));
  // The hashed short name: 0-6 characters of SHORT_PREFIX, '~', a digit 1-9, digits up to
  // eight characters.
  if (name.size() < 8) return false;
  std::size_t tilde = name.find('~');
  if (tilde == std::string_view::npos || tilde > 6 || tilde + 1 >= 8) return false;
  for (std::size_t i = 0; i < tilde; ++i)
    if (static_cast<unsigned char>(name[i]) > 0x7F || ascii_lower(name[i]) != short_prefix[i]) return false;
  if (name[tilde + 1] < '1' || name[tilde + 1] > '9') return false;
  for (std::size_t i = tilde + 2; i < 8; ++i)
    if (name[i] < '0' || name[i] > '9') return false;
  return ntfs_tail_is_empty(name.substr(8));
}

std::optional<std::string> component_problem(std::string_view part) {
  if (part.empty()) return "empty path component (leading, trailing or doubled '/')";
  if (part == "." || part == "..") return "'.' or '..' component";
  if (part.size() > kMaxPathComponentBytes)
    return "a component longer than " + std::to_string(kMaxPathComponentBytes) + " bytes";
  if (is_dotgit_alias(part)) return "'.git' component (or a name Windows or macOS read as '.git')";
  if (is_dotgitmodules_alias(part))
    return "'.gitmodules' (or a name Windows or macOS read as it): kernels-hub stores no submodules";
  return std::nullopt;
}

}  // namespace

bool is_dotgit_alias(std::string_view name) {
  if (iequals_prefix(name, ".git") && name.size() == 4) return true;
  if (hfs_matches_dot(name, "git")) return true;
  // NTFS: ".git" or its short name "git~1", then only what NTFS ignores.
  if (iequals_prefix(name, ".git")) return ntfs_tail_is_empty(name.substr(4));
  if (iequals_prefix(name, "git~1")) return ntfs_tail_is_empty(name.substr(5));
  return false;
}

bool is_dotgitmodules_alias(std::string_view name) {
  return hfs_matches_dot(name, "gitmodules") || ntfs_matches_dot(name, "gitmodules", "gi7eba");
}

std::optional<std::string> repo_path_problem(std::string_view path) {
  if (path.empty()) return "empty";
  if (path.size() > kMaxRepoPathBytes) return "longer than " + std::to_string(kMaxRepoPathBytes) + " bytes";
  if (path.find('\0') != std::string_view::npos) return "contains a NUL byte";
  if (path.find('\\') != std::string_view::npos) return "contains a backslash";
  if (path.front() == '/') return "absolute path";
  for (std::size_t pos = 0; pos < path.size();) {
    char32_t cp = next_code_point(path, pos);
    if (cp == kInvalid) return "not valid UTF-8";
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return "contains a control character";
  }
  for (std::size_t pos = 0; pos <= path.size();) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    if (auto problem = component_problem(path.substr(pos, slash - pos))) return problem;
    pos = slash + 1;
  }
  return std::nullopt;
}

void check_repo_path(std::string_view path) {
  if (auto problem = repo_path_problem(path))
    throw usage_error("invalid path '" + log::escape_controls(path.substr(0, 200)) + "': " + *problem);
}

}  // namespace kcpp::server
