#pragma once
// Internal: the git-backed RepoStorage. One bare repository per repo under
// ROOT/repos/{kernels|models}/{ns}/{name}.git, LFS objects in an FsLfsStore at ROOT/lfs.
// Methods are split across git_storage.cpp (reads), git_revision.cpp (revision
// resolution), git_tree_page.cpp (paged listings), git_commit.cpp (commits) and git_refs.cpp
// (ref names and ref changes). Every call opens its own git_repository handle:
// libgit2 objects must not be shared between threads, and the HTTP server is multi-threaded.
#include <filesystem>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>

#include "server/git_util.hpp"
#include "server/storage.hpp"

namespace kcpp::server {

// One mutex per repository, held around every change of its refs (see git_refs.cpp).
class RefLocks {
 public:
  std::mutex& of(const std::filesystem::path& repo_dir);

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<std::mutex>> locks_;
};

// Throws usage unless REF starts with one of ALLOWED_PREFIXES (refs/pr/ must be followed
// by a number), is a valid git ref name and at most kMaxRefNameBytes long.
void require_valid_ref(std::string_view ref, std::initializer_list<std::string_view> allowed_prefixes);

class GitRepoStorage final : public RepoStorage {
 public:
  explicit GitRepoStorage(std::filesystem::path root);

  bool repo_exists(const RepoId& repo) const override;
  bool create_repo(const RepoId& repo) override;
  RefListing list_refs(const RepoId& repo) const override;
  CommitInfo resolve_revision(const RepoId& repo, std::string_view revision) const override;
  std::vector<TreeEntry> list_tree(const RepoId& repo, std::string_view commit, std::string_view path,
                                   bool recursive) const override;
  TreePage list_tree_page(const RepoId& repo, std::string_view commit, std::string_view path, bool recursive,
                          std::string_view after, std::size_t limit) const override;
  FileBlob read_file(const RepoId& repo, std::string_view commit, std::string_view path) const override;
  std::string store_blob(const RepoId& repo, std::string_view bytes) override;
  std::string commit(const RepoId& repo, const CommitRequest& request) override;
  PullRequestCommit commit_pull_request(const RepoId& repo, const CommitRequest& request) override;
  void create_ref(const RepoId& repo, std::string_view ref, std::string_view commit) override;
  void move_ref(const RepoId& repo, std::string_view ref, std::string_view commit) override;
  void delete_ref(const RepoId& repo, std::string_view ref) override;
  LfsStore& lfs() override { return lfs_; }
  const LfsStore& lfs() const override { return lfs_; }

  std::filesystem::path repo_path(const RepoId& repo) const;

 private:
  git::Repository open(const RepoId& repo) const;
  // The tree of folder PREFIX (normalised, "" = root) in commit C; entry_not_found when it is
  // missing or a file.
  git::Tree folder_tree(git_repository* r, const git_commit* c, const RepoId& repo, std::string_view commit,
                        const std::string& prefix) const;
  // The commit object for a 40-hex id already produced by resolve_revision.
  git::Commit lookup_commit(git_repository* repo, const RepoId& id, std::string_view sha) const;

  // A commit object written but not referenced yet (git_commit.cpp).
  struct BuiltCommit {
    git_oid oid{};
    bool has_head = false;  // REQUEST.ref existed; HEAD is what it pointed at
    git_oid head{};
  };
  BuiltCommit build_commit(git_repository* repo, const CommitRequest& request) const;
  // Points REF at TARGET: a compare-and-swap against EXPECTED_HEAD, or, when that is null, the
  // creation of a ref that must not exist nor collide with another (git_refs.cpp). Call with
  // the repository's ref mutex held. ConflictError when the ref moved or exists.
  void set_ref_locked(git_repository* repo, const RepoId& id, const std::string& ref, const git_oid* target,
                      const git_oid* expected_head, const char* why);
  // Creates refs/pr/N at TARGET for the next free N and returns N; ref mutex held.
  std::uint64_t create_next_pr_locked(git_repository* repo, const RepoId& id, const git_oid* target);

  git::Library lib_;
  std::filesystem::path root_;
  FsLfsStore lfs_;
  RefLocks ref_locks_;
};

// Shared by the git_*.cpp files.
namespace git {
// Splits a repo path into components, dropping empty ones; throws entry_not_found for '.'
// or '..' components (they can never name a tree entry).
std::vector<std::string> path_components(std::string_view path);
std::string join_components(const std::vector<std::string>& parts);
// Fills ENTRY's size and LFS information for blob OID without loading large contents: only
// blobs small enough to be LFS pointers are read.
void describe_blob(git_repository* repo, git_odb* odb, const git_oid* oid, server::TreeEntry& entry);
}  // namespace git

}  // namespace kcpp::server
