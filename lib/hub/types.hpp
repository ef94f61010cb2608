#pragma once
// Value types of the Hub API subset (docs/hub-api.md E1–E4): repo ids and types, refs, tree
// entries, repo info, file metadata.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kcpp::hub {

enum class RepoType { kernel, model };

// "kernels" / "models": the /api/{plural}/ segment.
std::string_view api_segment(RepoType t);
// "kernels/" / "": prefix of resolve and LFS URLs.
std::string_view url_prefix(RepoType t);
// "kernel" / "model".
std::string_view type_name(RepoType t);
// Parses "kernel" / "model"; throws kcpp::Error(usage) otherwise.
RepoType parse_repo_type(std::string_view s);
// Inverse of api_segment; nullopt for anything else (datasets/spaces are not served).
std::optional<RepoType> repo_type_from_api_segment(std::string_view segment);

struct RepoId {
  std::string ns;    // namespace (user or organisation)
  std::string name;
  std::string str() const { return ns + "/" + name; }
  bool operator==(const RepoId&) const = default;
};

// Why ID is not a valid Hub repo id, or "" when it is. Rules (huggingface_hub's
// validate_repo_id plus a mandatory namespace): exactly one "/"; each part 1–96 characters
// from [A-Za-z0-9_.-], starting and ending with a letter, digit or "_"; no "--" or "..".
// The one definition shared by the client and kernels-hub.
std::string repo_id_problem(std::string_view id);

// ID as error messages show it: control characters escaped (\x00), at most 200 bytes
// ("…" and the full length after them), so that a hostile file cannot flood or drive the terminal.
std::string shown_repo_id(std::string_view id);

// Validates with repo_id_problem; throws kcpp::Error(usage) naming the problem, e.g.
// `invalid repo id 'foo': a repo id must have the form 'namespace/name'`.
RepoId parse_repo_id(std::string_view s);

struct GitRef {
  std::string name;           // "v1"
  std::string ref;            // "refs/heads/v1"
  std::string target_commit;  // 40 hex
};

struct Refs {
  std::vector<GitRef> branches;
  std::vector<GitRef> tags;
  std::vector<GitRef> pull_requests;
};

struct LfsInfo {
  std::string oid;  // sha256 of the content (64 hex)
  std::uint64_t size = 0;
  std::uint64_t pointer_size = 0;
};

struct TreeEntry {
  enum class Kind { file, directory, unknown };
  Kind kind = Kind::file;
  std::string path;  // repo-relative, "/"-separated
  std::string oid;   // git blob/tree id (for LFS files: the pointer blob's id)
  std::uint64_t size = 0;
  std::optional<LfsInfo> lfs;
  std::optional<std::string> xet_hash;
};

struct RepoInfo {
  std::string id;
  std::string sha;  // commit the revision resolved to
  bool is_private = false;
  bool gated = false;
};

// What a HEAD on resolve/{rev}/{path} tells (docs/hub-api.md E4).
struct FileMetadata {
  std::string etag;     // normalised: X-Linked-Etag or ETag without W/ and quotes
  std::string commit;   // X-Repo-Commit
  std::uint64_t size = 0;
  std::string location; // redirect target, or the resolve URL itself
};

// "kernels--ns--name" / "models--ns--name": the repo's folder in the Hugging Face cache
// (huggingface_hub's repo_folder_name).
std::string repo_folder_name(RepoType type, const RepoId& repo);

// true for a full lower-case 40-hex commit id (how clients recognise commit hashes).
bool is_commit_sha(std::string_view s);

}  // namespace kcpp::hub
