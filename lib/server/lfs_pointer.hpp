#pragma once
// Git LFS pointer files and the "does this file go to LFS?" decision.
//
// A pointer is the small text blob git stores in place of a large/binary file
// (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md):
//   version https://git-lfs.github.com/spec/v1\n
//   oid sha256:<64 lower-case hex>\n
//   size <decimal bytes>\n
// The Hub reports such files in tree listings with `lfs: {oid, size, pointerSize}` and serves
// them through a redirect, so the decision made at commit time is visible to clients (it
// changes tree oids and `kernels lock` hashes). Keep it stable.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kcpp::server {

struct LfsPointer {
  std::string oid;         // sha256 of the content, 64 lower-case hex
  std::uint64_t size = 0;  // content size in bytes
  friend bool operator==(const LfsPointer&, const LfsPointer&) = default;
};

// Pointers larger than this are not pointers (git-lfs uses the same bound).
inline constexpr std::size_t kMaxPointerSize = 1024;
// Files of at least this size go to LFS whatever their content.
inline constexpr std::uint64_t kLfsSizeThreshold = 10ull * 1024 * 1024;
// How much of a file's head is inspected for NUL bytes (git's own binary heuristic).
inline constexpr std::size_t kBinarySniffBytes = 8000;

// The canonical pointer text (what `git lfs` writes), ending with a newline.
std::string format_lfs_pointer(const LfsPointer& pointer);

// Parses TEXT as a pointer; nullopt unless it is one (version line first, `oid sha256:` with
// 64 hex digits, `size` in decimal, every line newline-terminated, at most kMaxPointerSize).
std::optional<LfsPointer> parse_lfs_pointer(std::string_view text);

// True when HEAD (the first bytes of a file) contains a NUL within kBinarySniffBytes.
bool looks_binary(std::string_view head);

// The commit-time rule: binary (NUL in the first 8000 bytes) or at least 10 MiB → LFS.
// Empty files are never LFS.
bool should_store_as_lfs(std::string_view head, std::uint64_t size);

bool is_sha256_hex(std::string_view s);

}  // namespace kcpp::server
