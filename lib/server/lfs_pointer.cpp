#include "server/lfs_pointer.hpp"

#include <charconv>

namespace kcpp::server {

namespace {
constexpr std::string_view kVersionLine = "version https://git-lfs.github.com/spec/v1";
}

bool is_sha256_hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string format_lfs_pointer(const LfsPointer& pointer) {
  return std::string(kVersionLine) + "\noid sha256:" + pointer.oid + "\nsize " + std::to_string(pointer.size) + "\n";
}

std::optional<LfsPointer> parse_lfs_pointer(std::string_view text) {
  if (text.size() > kMaxPointerSize || text.empty() || text.back() != '\n') return std::nullopt;
  LfsPointer out;
  bool have_oid = false, have_size = false, first = true;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (first) {
      if (line != kVersionLine) return std::nullopt;
      first = false;
      continue;
    }
    auto space = line.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    auto key = line.substr(0, space), value = line.substr(space + 1);
    if (key == "oid") {
      if (value.substr(0, 7) != "sha256:" || !is_sha256_hex(value.substr(7))) return std::nullopt;
      out.oid = std::string(value.substr(7));
      have_oid = true;
    } else if (key == "size") {
      if (value.empty() || (value.size() > 1 && value[0] == '0')) return std::nullopt;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out.size);
      if (ec != std::errc() || ptr != value.data() + value.size()) return std::nullopt;
      have_size = true;
    }
    // Other keys (extensions) are allowed by the spec and ignored here.
  }
  if (!have_oid || !have_size) return std::nullopt;
  return out;
}

bool looks_binary(std::string_view head) {
  return head.substr(0, kBinarySniffBytes).find('\0') != std::string_view::npos;
}

bool should_store_as_lfs(std::string_view head, std::uint64_t size) {
  if (size == 0) return false;
  return size >= kLfsSizeThreshold || looks_binary(head);
}

}  // namespace kcpp::server
