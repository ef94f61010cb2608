#pragma once
// Which commit of a kernel repository a command works on: a major version (branch v{N}), a
// revision (branch, tag or commit), or by default the highest version — else main.
#include <optional>
#include <string>
#include <string_view>

#include "hub/client.hpp"
#include "hub/types.hpp"
#include "repo/commit_id.hpp"

namespace kcpp::repo {

struct KernelSelector {
  std::optional<long> version;          // branch v{N}
  std::optional<std::string> revision;  // branch, tag or commit; not with version
};

struct ResolvedRevision {
  std::string revision;                // what was asked for: "v1", "main", the given revision
  std::string commit;                  // full lower-case commit id
  std::optional<long> branch_version;  // N when REVISION is the branch v{N}
};

// Resolves SELECTOR on the Hub: a version through the branches (upstream's "Version N not
// found, available versions: …" when missing, with HINT), a commit id as is, another
// revision through the revision endpoint; neither → the highest version, else main. A kernel
// repo that exists only as a model repo gets the error saying so.
ResolvedRevision resolve(const hub::HubClient& client, const hub::RepoId& repo, const KernelSelector& selector,
                         std::string hint = "pick one of the available versions");

}  // namespace kcpp::repo
