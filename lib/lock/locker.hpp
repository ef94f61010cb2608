#pragma once
// Resolution of kernel dependencies to commits, as kernels 0.17.2's `kernels lock` does it
// (kernels/locking.py lock_kernel_tree), but with the Hub calls made concurrently.
//
// For each dependency (the pyproject's, then the `kernel-depends` of every build variant,
// transitively):
//   1. publisher trust (trust.hpp), unless trust_remote_code;
//   2. version N → the commit branch v{N} points at (refs, docs/hub-api.md E1); a revision
//      dependency is taken as given;
//   3. build variants: the directories under build/ at that commit, parsed with the
//      variant grammar (invalid names: a warning, skipped);
//   4. each variant's build/{canonical name}/metadata.json, checked (metadata.hpp); its
//      kernel-depends are locked in turn.
// Upstream lists build/ (E2, not recursive) and downloads every variant's metadata.json
// (E4 HEAD + GET). We list build/ once recursively — directories and metadata blob ids in
// one answer — and GET each distinct metadata.json content once (HubClient::fetch_small_file).
// A dependency locks to its commit; a revision dependency must be a full commit id.
//
// All network work runs on a pool of `jobs` threads, one level of the graph at a time (the
// roots, then the kernels they depend on, …), which bounds it: the fetch stops before a level
// deeper than DependencyLimits::max_depth, or one that would take the graph past
// max_dependencies kernels. Afterwards one depth-first walk in upstream's order
// (dependency_walk.hpp: roots in pyproject order, variants by name — upstream takes them in
// set order — dependencies in file order) decides the outcome: it reports the first error
// upstream's sequential walk would meet (cycles included: "Cyclic kernel dependency
// detected: org/name"; a limit crossed, naming the chain) and upstream's warnings, in
// upstream's order.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hub/client.hpp"
#include "lock/dependency_walk.hpp"
#include "lock/lock_file.hpp"

namespace kcpp::lock {

struct LockOptions {
  bool trust_remote_code = false;  // skip the publisher trust check (kernels-cpp extension)
  unsigned jobs = 4;               // concurrent Hub requests (`kernels lock` passes its --jobs, default 8)
  // Hugging Face cache where metadata.json blobs are kept between runs (see metadata_cache.hpp);
  // nullopt: fetch every time.
  std::optional<std::filesystem::path> cache;
  DependencyLimits limits;  // how deep and how wide kernel-depends may go (dependency_walk.hpp)
};

// Throws kcpp::Error: the first failure in upstream's order, with the dependency chain
// that led to it as a cause. Offline mode is an error (locking needs the Hub).
LockResult resolve_locks(const hub::HubClient& client, const std::vector<RootDependency>& roots,
                         const LockOptions& options);

}  // namespace kcpp::lock
