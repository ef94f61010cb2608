#pragma once
// The kernel's identity in a build, as upstream's ops_identifier.rs derives it:
//   unique id  = first 7 hex of the HEAD commit's *tree* id of the git repository that
//                contains the kernel directory, + "_dirty" when tracked files have
//                uncommitted changes (untracked files and submodules do not count);
//                a random base32 (RFC 4648 lower-case, no padding) u64 outside git;
//   ops id     = "_<python_name>_<backend>_<unique id>" (module name, torch.ops namespace,
//                metadata.json `id`);
//   provenance = the HEAD commit id and the dirty flag (metadata.json provenance.kernel).
#include <filesystem>
#include <optional>
#include <string>

namespace kcpp::builder {

struct GitState {
  std::string commit;     // 40 (or 64) lower-case hex
  std::string tree;       // the commit's tree id
  bool dirty = false;
};

// nullopt when DIR is not inside a git work tree with a HEAD commit.
std::optional<GitState> git_state(const std::filesystem::path& dir);

// Upstream's unique id for GIT (or a random one when GIT is nullopt).
std::string unique_id(const std::optional<GitState>& git);

// base32 (RFC 4648, lower-case, no padding) of BYTES.
std::string base32_lower(std::string_view bytes);

std::string ops_id(const std::string& python_name, std::string_view backend, const std::string& unique);

}  // namespace kcpp::builder
