#pragma once
// The storage interface behind kernels-hub: repositories (refs, trees, blobs, commits) plus
// the LFS object store. GitRepoStorage (git_storage.hpp) implements it with one bare git
// repository per repo; an object-store or read-only mirror backend would implement the same
// calls. Ids are real git ids (40-hex sha1) so clients see what the Hub would show.
//
// Errors: every call throws kcpp::Error with kind repo_not_found, revision_not_found or
// entry_not_found for the three "missing" cases (the HTTP layer maps those kinds to the Hub's
// X-Error-Code values), usage for invalid input, ConflictError when a ref moved under a
// writer, and io/failure for everything else.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "server/lfs_store.hpp"
#include "server/repo_id.hpp"

namespace kcpp::server {

struct GitRef {
  std::string name;           // "v1" (branches/tags) or "refs/pr/3"'s display name "3"
  std::string ref;            // "refs/heads/v1"
  std::string target_commit;  // 40-hex
};

struct RefListing {
  std::vector<GitRef> branches, tags, pull_requests;  // each sorted by ref
};

struct LfsInfo {
  std::string oid;                 // sha256 of the content
  std::uint64_t size = 0;          // content size
  std::uint64_t pointer_size = 0;  // size of the pointer blob in git
};

struct TreeEntry {
  enum class Type { file, directory };
  Type type = Type::file;
  std::string path;        // repo-relative, '/'-separated
  std::string oid;         // git blob sha1 (files; the pointer's for LFS files) or tree sha1
  std::uint64_t size = 0;  // content size (LFS: the large file's size); 0 for directories
  std::optional<LfsInfo> lfs;
};

struct TreePage {
  std::vector<TreeEntry> entries;
  bool more = false;  // entries follow the last one
};

struct CommitInfo {
  std::string sha;        // 40-hex
  std::int64_t time = 0;  // committer time, seconds since the epoch (UTC)
};

// One file at a revision: its tree entry and the git blob bytes (for an LFS file, the
// pointer text; the content lives in the LfsStore). Regular blobs are small by construction
// (files >= 10 MiB are LFS), so holding them in memory is fine.
struct FileBlob {
  TreeEntry entry;
  std::string blob;
};

struct FileChange {
  enum class Kind { put, remove_file, remove_folder };
  FileChange() = default;
  FileChange(Kind k, std::string p, std::string b = {}) : kind(k), path(std::move(p)), blob(std::move(b)) {}
  Kind kind = Kind::put;
  std::string path;  // repo-relative, '/'-separated, no '.', '..' or empty components
  std::string blob;  // put: bytes stored in git (file content, or LFS pointer text)
  // put: instead of BLOB, the id of a blob already stored with store_blob() (40-hex).
  std::optional<std::string> blob_id;
};

struct CommitRequest {
  std::string ref;  // full ref to move, e.g. "refs/heads/main"
  std::string message;
  std::optional<std::string> parent_commit;  // if set, the ref must point at exactly this (else 412-style conflict)
  bool replace_tree = false;                 // start from an empty tree instead of the parent's
  std::vector<FileChange> changes;
  std::string author_name = "kernels-hub";
  std::string author_email = "kernels-hub@localhost";
};

// What commit_pull_request() made: the commit and the N of its refs/pr/N.
struct PullRequestCommit {
  std::string oid;
  std::uint64_t number = 0;
};

// A ref did not have the expected value (a concurrent writer, or a stale parentCommit).
class ConflictError : public Error {
 public:
  ConflictError(std::string message, bool precondition_failed)
      : Error(ErrorKind::failure, std::move(message)), precondition_failed_(precondition_failed) {}
  // true: the caller's parentCommit is stale (HTTP 412); false: lost a race (HTTP 409).
  bool precondition_failed() const noexcept { return precondition_failed_; }

 private:
  bool precondition_failed_;
};

class RepoStorage {
 public:
  virtual ~RepoStorage() = default;

  virtual bool repo_exists(const RepoId& repo) const = 0;
  // Creates an empty repository (no commits); returns false when it already existed.
  virtual bool create_repo(const RepoId& repo) = 0;

  virtual RefListing list_refs(const RepoId& repo) const = 0;

  // Resolves a branch or tag name, a full ref (refs/heads/X, refs/tags/X, refs/pr/N), a
  // 40-hex commit id or an unambiguous hex prefix (>= 7) of one, to a commit.
  virtual CommitInfo resolve_revision(const RepoId& repo, std::string_view revision) const = 0;

  // Entries under PATH ("" = root) at COMMIT (40-hex), sorted by path. Non-recursive: the
  // folder's direct children; recursive: everything below it, folders included.
  // entry_not_found when PATH is missing or is not a folder.
  virtual std::vector<TreeEntry> list_tree(const RepoId& repo, std::string_view commit, std::string_view path,
                                           bool recursive) const = 0;

  // One page of list_tree(REPO, COMMIT, PATH, RECURSIVE): the entries whose path sorts after
  // AFTER ("" = from the start; a path of an earlier page, which need not exist any more),
  // at most LIMIT of them, in list_tree's order; MORE tells whether others follow. Costs
  // O(LIMIT · depth · log(folder size)), not O(tree): clients page through big trees.
  virtual TreePage list_tree_page(const RepoId& repo, std::string_view commit, std::string_view path, bool recursive,
                                  std::string_view after, std::size_t limit) const = 0;

  // The file at PATH in COMMIT; entry_not_found when it is missing or a folder.
  virtual FileBlob read_file(const RepoId& repo, std::string_view commit, std::string_view path) const = 0;

  // Stores BYTES as a blob of REPO and returns its id, for a FileChange::blob_id: a commit
  // with many inline files then holds ids, not contents, until it is written. A blob no
  // commit ends up naming is unreachable, as after a failed push (git gc removes it).
  virtual std::string store_blob(const RepoId& repo, std::string_view bytes) = 0;

  // Writes one commit and moves REQUEST.ref to it atomically (compare-and-swap against the
  // head read at the start, or against parent_commit). Returns the new commit id.
  virtual std::string commit(const RepoId& repo, const CommitRequest& request) = 0;

  // Writes one commit on top of REQUEST.ref's head (or none, when absent) and points a new
  // refs/pr/N at it, N being the next free number; REQUEST.ref itself does not move. The
  // number is allocated and the ref created in one step, so concurrent callers get
  // distinct PRs, each on its own commit.
  virtual PullRequestCommit commit_pull_request(const RepoId& repo, const CommitRequest& request) = 0;

  // Creates REF (refs/heads/X, refs/tags/X or refs/pr/N) at COMMIT; ConflictError if it
  // exists, usage if it collides with another ref ("a" and "a/b" cannot both exist).
  // Atomic: of concurrent creators of one ref, exactly one succeeds.
  virtual void create_ref(const RepoId& repo, std::string_view ref, std::string_view commit) = 0;
  // Points REF at COMMIT, creating it if needed, in one atomic write (never absent in between).
  virtual void move_ref(const RepoId& repo, std::string_view ref, std::string_view commit) = 0;
  // Deletes REF (refs/heads/X, refs/tags/X or refs/pr/N); revision_not_found if it is absent.
  virtual void delete_ref(const RepoId& repo, std::string_view ref) = 0;

  virtual LfsStore& lfs() = 0;
  virtual const LfsStore& lfs() const = 0;
};

// The local backend: bare git repositories under ROOT/repos/{kernels|models}/{ns}/{name}.git
// and LFS objects under ROOT/lfs/objects. Creates ROOT's skeleton if missing.
std::unique_ptr<RepoStorage> open_local_storage(const std::filesystem::path& root);

// Longest ref name accepted ("refs/heads/" included): a ref is a file, and its lock file
// "<name>.lock" must fit the file systems' 255-byte name limit.
inline constexpr std::size_t kMaxRefNameBytes = 240;

// "refs/heads/NAME" after checking NAME is a valid branch name (throws usage otherwise).
std::string branch_ref(std::string_view name);

}  // namespace kcpp::server
