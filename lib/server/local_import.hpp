#pragma once
// Committing a local directory (the `kernels-hub commit` command, and test fixtures).
#include <filesystem>
#include <string>

#include "server/storage.hpp"

namespace kcpp::server {

struct DirectoryCommit {
  std::string commit;         // new 40-hex commit id
  std::size_t files = 0;      // files committed
  std::size_t lfs_files = 0;  // of which stored in LFS
};

// Builds the change list that makes DIR the whole tree: every regular file below DIR
// (symlinks to files are followed; `.git` folders skipped; empty folders vanish, as in git)
// becomes a put. Files that should_store_as_lfs() are copied into LFS and committed as
// pointer blobs. Throws kcpp::Error(io) when DIR is not a readable directory.
CommitRequest import_directory(const std::filesystem::path& dir, LfsStore& lfs);

// Creates REPO if needed and commits DIR as the whole new tree of BRANCH (parent: the
// branch's current head, if any).
DirectoryCommit commit_directory(RepoStorage& storage, const RepoId& repo, const std::filesystem::path& dir,
                                 const std::string& branch, const std::string& message);

}  // namespace kcpp::server
