#pragma once
// The kernels.lock model and its JSON, as kernels 0.17.2 writes and reads it (the Rust
// `KernelLocks` of kernels-data, exposed as `kernels._rust.KernelLocks`):
//
//   [
//     {
//       "dependency": {
//         "repo-id": "org/name",
//         "version": 1              (or "revision": "<str>" for a revision dependency)
//       },
//       "lock": {
//         "commit": "<40 or 64 lower-case hex>"
//       }
//     }
//   ]
//
// Entries sorted by dependency (repo id bytewise, then version dependencies before
// revision ones, versions numerically, revisions bytewise); serde_json's pretty printer:
// two-space indent, "key": value, no trailing newline; empty → "[]".
// (kernels ≤ 0.16 wrote another format — repo_id / sha / variants with git_lfs_concat
// hashes; kernels 0.17.2 neither writes nor reads it, and neither do we.)
#include <compare>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace kcpp::lock {

// A dependency on a kernel: a repo and either a major version (branch v{N}) or a revision.
struct Dependency {
  std::string repo_id;
  std::variant<std::uint64_t, std::string> spec;  // index 0: version N, index 1: revision

  static Dependency version(std::string repo_id, std::uint64_t n) { return {std::move(repo_id), n}; }
  static Dependency revision(std::string repo_id, std::string rev) { return {std::move(repo_id), std::move(rev)}; }

  bool is_version() const { return spec.index() == 0; }
  std::uint64_t major() const { return std::get<0>(spec); }
  const std::string& rev() const { return std::get<1>(spec); }
  // "org/name (version 1)" / "org/name (revision abc)"
  std::string str() const;

  // Upstream's order (derived Ord in Rust): repo id bytewise, then Version < Revision.
  auto operator<=>(const Dependency&) const = default;
  bool operator==(const Dependency&) const = default;
};

struct LockEntry {
  Dependency dependency;
  std::string commit;  // 40 or 64 lower-case hex
  bool operator==(const LockEntry&) const = default;
};

struct LockFile {
  std::vector<LockEntry> entries;  // sorted by dependency, no duplicates
  bool operator==(const LockFile&) const = default;

  // Sorts the entries; throws kcpp::Error(failure) on a duplicate dependency.
  void normalise();
  const LockEntry* find(const Dependency& d) const;
};

// Whether S is a git object id as upstream accepts one: 40 or 64 hex digits (any case).
bool is_git_oid(std::string_view s);

// The exact bytes kernels 0.17.2's `kernels lock` writes for LOCK.
std::string to_json(const LockFile& lock);

// Parses kernels.lock text like upstream's reader (unknown fields, duplicate fields and
// duplicate dependencies rejected; commits lower-cased). Errors are kcpp::Error(parse)
// "DISPLAY_PATH:LINE:COL: what" with a hint (e.g. for the pre-0.17 format).
LockFile parse_lock_file(std::string_view text, const std::string& display_path);

// Reads and parses PATH; nullopt when it does not exist.
std::optional<LockFile> read_lock_file(const std::filesystem::path& path);

}  // namespace kcpp::lock
