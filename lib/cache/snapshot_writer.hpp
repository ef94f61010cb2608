#pragma once
// Publishes files of a commit under snapshots/<commit>/ as relative symlinks to their blobs,
// exactly as huggingface_hub lays them out (`../../blobs/<etag>` for a top-level file, one
// more `../` per directory level).
//
// Each link is created under a temporary name beside its final path and renamed over it,
// so a reader never sees a half-made link and a concurrent writer of the same link is
// harmless. Callers publish a variant only after verifying all of its blobs (verifier.hpp):
// nothing of a variant that failed verification appears under snapshots/.
// Symlinks are required (Linux/macOS); the error says so when the file system refuses.
// A symbolic link in place of any directory below the cache root (the repo folder,
// snapshots/, the commit's, build/, the variant's) is refused, never written through: the
// directories are walked with fs::SafeDir and the link is made with symlinkat/renameat in
// the last one.
#include <string_view>

#include "cache/cache_layout.hpp"

namespace kcpp::cache {

class SnapshotWriter {
 public:
  explicit SnapshotWriter(CacheLayout layout) : layout_(std::move(layout)) {}

  // Throws what link() would for REPO_PATH's place (unsafe path, a symbolic link among its
  // directories) without writing: callers check every path before publishing any.
  void check(std::string_view commit, std::string_view repo_path) const;

  // snapshots/<COMMIT>/<REPO_PATH> -> relative path to blobs/<ETAG>. An existing link with
  // that target is left alone; anything else at that path is replaced. Throws
  // kcpp::Error(io) naming the path.
  void link(std::string_view commit, std::string_view repo_path, std::string_view etag) const;

 private:
  CacheLayout layout_;
};

}  // namespace kcpp::cache
