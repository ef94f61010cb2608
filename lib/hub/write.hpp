#pragma once
// Value types of the Hub write API (docs/hub-api.md E6–E13): who the token belongs to, the
// operations of one commit, its options and its outcome. The calls are HubClient members
// (client.hpp): whoami, create_repo, create_branch, delete_branch, create_commit.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace kcpp::hub {

// GET /api/whoami-v2 (E13).
struct WhoAmI {
  std::string name;               // the account's login
  std::string type;               // "user" (or "org" for org tokens)
  std::vector<std::string> orgs;  // names of the organizations the account belongs to
  std::string token_role;         // auth.accessToken.role: "read", "write", "fineGrained", or ""
};

// One change of a commit.
struct CommitOperation {
  enum class Kind { add, delete_file, delete_folder };
  Kind kind = Kind::add;
  std::string path_in_repo;  // "/"-separated, relative; for delete_folder a trailing "/" is ignored
  // add: a file on disk, hashed and streamed (never read whole into memory when it goes to LFS)
  std::filesystem::path local_file;
  // add: bytes in memory instead of local_file (e.g. a README)
  std::optional<std::string> content;
};

// Reported while a commit is prepared: files and bytes of the additions that are committed
// (unchanged and ignored files are not counted). LFS bytes count as they are sent (and go
// back when a PUT restarts); regular files count once the commit is accepted.
struct UploadProgress {
  std::size_t files_done = 0, files_total = 0;
  std::uint64_t bytes_done = 0, bytes_total = 0;
};

struct CommitOptions {
  std::string summary;  // required (the Hub refuses an empty one)
  std::string description;
  std::optional<std::string> parent_commit;  // 40 hex: the Hub answers 412 when the branch moved
  bool create_pr = false;                    // commit to a new refs/pr/N instead of the revision
  bool skip_unchanged = true;  // drop adds whose oid equals the remote one (preupload's `oid`), like huggingface_hub
  int lfs_parallelism = 8;     // LFS objects PUT at once
  // Called under a lock (serialised), possibly from worker threads; keep it short.
  std::function<void(const UploadProgress&)> on_progress;
};

struct CommitResult {
  // false: nothing left to commit after skipping unchanged/ignored files (no commit request
  // sent); commit_oid is then the revision's current head when the Hub told it.
  bool committed = false;
  std::string commit_oid, commit_url;
  std::optional<std::string> pr_url;
  std::optional<int> pr_num;
  std::optional<std::string> pr_revision;  // "refs/pr/N"
  std::size_t files_uploaded_lfs = 0;  // committed as lfsFile (bytes sent unless the store had them)
  std::size_t files_inline = 0;        // committed inline (regular files)
  std::size_t files_skipped = 0;       // unchanged: same oid as the remote file
  std::size_t files_ignored = 0;       // the server's .gitignore matched (shouldIgnore)
  std::size_t deletions = 0;           // deletedFile + deletedFolder lines
  std::uint64_t lfs_bytes_sent = 0;    // bytes actually PUT (objects the store lacked)
};

}  // namespace kcpp::hub
