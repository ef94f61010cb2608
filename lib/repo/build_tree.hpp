#pragma once
// The build/ layout of a kernel repository: build/<variant>/<files>, one directory per build
// variant (named by the variant grammar, lib/variant), each with its metadata.json. How a
// path in a tree listing splits into variant and file, which directories are variants, and
// the one listing call (with the one error for a revision without build/).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/client.hpp"
#include "hub/types.hpp"

namespace kcpp::repo {

// "build/<variant>/metadata.json"
std::string metadata_path(std::string_view variant);

// A repository path under build/: the component after "build/" and the rest.
struct BuildPath {
  std::string variant;  // "build/X/..." → X; for a file directly in build/ its name
  std::string rel;      // path inside the variant directory; "" for build/X itself
};
// nullopt for paths not under build/ and for "build/" itself.
std::optional<BuildPath> split_build_path(std::string_view path);

// Directory names directly under build/ (from a recursive or a non-recursive listing of
// "build"), de-duplicated, in listing order.
std::vector<std::string> variant_dir_names(const std::vector<hub::TreeEntry>& entries);

// The tree of build/ at REVISION (recursive or one level). A revision without build/ is
// kcpp::Error(entry_not_found) "REPO has no build/ directory at REVISION" with a hint;
// callers to whom that is not an error catch that kind.
std::vector<hub::TreeEntry> list_build_tree(const hub::HubClient& client, const hub::RepoId& repo,
                                            const std::string& revision, bool recursive);

}  // namespace kcpp::repo
