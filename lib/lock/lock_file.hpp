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
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "repo/dependency.hpp"

namespace kcpp::lock {

using repo::Dependency;

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

// The exact bytes kernels 0.17.2's `kernels lock` writes for LOCK.
std::string to_json(const LockFile& lock);

// Parses kernels.lock text like upstream's reader (unknown fields, duplicate fields and
// duplicate dependencies rejected; commits lower-cased). Errors are kcpp::Error(parse)
// "DISPLAY_PATH:LINE:COL: what" with a hint (e.g. for the pre-0.17 format).
LockFile parse_lock_file(std::string_view text, const std::string& display_path);

// Reads and parses PATH; nullopt when it does not exist.
std::optional<LockFile> read_lock_file(const std::filesystem::path& path);

}  // namespace kcpp::lock
