#pragma once
// Internal: the git-backed RepoStorage. One bare repository per repo under
// ROOT/repos/{kernels|models}/{ns}/{name}.git, LFS objects in an FsLfsStore at ROOT/lfs.
// Methods are split across git_storage.cpp (reads), git_revision.cpp (revision
// resolution) and git_commit.cpp (writes). Every call opens its own git_repository handle:
// libgit2 objects must not be shared between threads, and the HTTP server is multi-threaded.
#include <filesystem>

#include "server/git_util.hpp"
#include "server/storage.hpp"

namespace kcpp::server {

class GitRepoStorage final : public RepoStorage {
 public:
  explicit GitRepoStorage(std::filesystem::path root);

  bool repo_exists(const RepoId& repo) const override;
  bool create_repo(const RepoId& repo) override;
  RefListing list_refs(const RepoId& repo) const override;
  CommitInfo resolve_revision(const RepoId& repo, std::string_view revision) const override;
  std::vector<TreeEntry> list_tree(const RepoId& repo, std::string_view commit, std::string_view path,
                                   bool recursive) const override;
  FileBlob read_file(const RepoId& repo, std::string_view commit, std::string_view path) const override;
  std::string commit(const RepoId& repo, const CommitRequest& request) override;
  void create_ref(const RepoId& repo, std::string_view ref, std::string_view commit) override;
  void delete_ref(const RepoId& repo, std::string_view ref) override;
  LfsStore& lfs() override { return lfs_; }
  const LfsStore& lfs() const override { return lfs_; }

  std::filesystem::path repo_path(const RepoId& repo) const;

 private:
  git::Repository open(const RepoId& repo) const;
  // The commit object for a 40-hex id already produced by resolve_revision.
  git::Commit lookup_commit(git_repository* repo, const RepoId& id, std::string_view sha) const;

  git::Library lib_;
  std::filesystem::path root_;
  FsLfsStore lfs_;
};

// Shared by the git_*.cpp files.
namespace git {
// Splits a repo path into components, dropping empty ones; throws entry_not_found for '.'
// or '..' components (they can never name a tree entry).
std::vector<std::string> path_components(std::string_view path);
std::string join_components(const std::vector<std::string>& parts);
}  // namespace git

}  // namespace kcpp::server
