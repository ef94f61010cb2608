#pragma once
// Which files a download fetches and what each must hash to — pure functions over the Hub's
// recursive tree listing at the locked commit (unit-tested without a hub).
//
// Selection follows upstream `kernels download` exactly: allow `build/<variant>/*` (one
// variant) or `build/*` (--all-variants), ignore `*.pyc` and `**/__pycache__/**`, with
// Python fnmatchcase semantics (`*` also matches "/").
//
// Expected content hash of a file = its blob name in the cache = what huggingface_hub's HEAD
// ETag gives: the LFS sha256 for LFS files, the git blob id (sha1 of "blob <size>\0" +
// content) for the rest. The tree listing at a commit is the reference the download is
// verified against (kernels 0.17 lock files pin the commit only; see verifier.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/types.hpp"

namespace kcpp::cache {

enum class HashKind { git_blob_sha1, sha256 };

struct PlannedFile {
  std::string path;     // repo path, e.g. build/<variant>/_ops.so
  std::string variant;  // second path component under build/, "" for files directly in build/
  std::string rel;      // path inside the variant directory ("" when variant is "")
  std::uint64_t size = 0;
  HashKind kind = HashKind::git_blob_sha1;
  std::string etag;     // expected hash (lower-case hex) = blob file name
};

struct VariantPlan {
  std::string name;
  std::vector<std::size_t> files;  // indices into DownloadPlan::files, sorted by path
};

struct DownloadPlan {
  std::vector<PlannedFile> files;     // sorted by path
  std::vector<VariantPlan> variants;  // sorted by name
  std::uint64_t total_bytes() const;
  // Distinct blobs in first-use order (several paths may share one blob).
  std::vector<std::size_t> unique_blob_files() const;
};

// Python fnmatch.fnmatchcase: `*` any run (including "/"), `?` one character, `[seq]`,
// `[!seq]`; everything else literal.
bool fnmatch_case(std::string_view pattern, std::string_view name);

// upstream _BYTECODE_IGNORE_PATTERNS: "*.pyc", "**/__pycache__/**".
bool is_ignored_bytecode(std::string_view path);

// Refuses (kcpp::Error(parse), naming REPO_LABEL and the paths) a listing that cannot be
// laid out safely, whichever files a download selects from it: any entry with an unsafe
// path (is_safe_repo_path: "..", absolute, backslash, NUL or other control characters), a
// file listed twice, two paths that collide on macOS or Windows (equal but for case or
// Unicode normalisation: path_fold.hpp), or a file that is also a directory or lies
// "inside" another file (also when they differ only that way).
void check_tree_paths(const std::vector<hub::TreeEntry>& entries, const std::string& repo_label);

// The files to fetch: every file entry matched by `build/<v>/*` for v in VARIANTS, or by
// `build/*` when VARIANTS is nullopt; minus bytecode. Throws kcpp::Error(parse) for a
// listing check_tree_paths refuses, or a file without a usable hash (no blob id / LFS oid
// of the right length), naming REPO_LABEL and the path.
DownloadPlan plan_download(const std::vector<hub::TreeEntry>& entries,
                           const std::optional<std::vector<std::string>>& variants, const std::string& repo_label);

}  // namespace kcpp::cache
