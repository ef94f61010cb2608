#pragma once
// `kernels info`: describe a kernel — from a local directory (its build/<variant>/) or from a
// Hub repo at one revision — the way kernels 0.17.2 (kernels/cli/info.py) does.
//
// Local: variants = parseable sub-directories of PATH/build; metadata = the first variant
// (by name: upstream takes arbitrary set order) that has a metadata.json; a metadata.json
// upstream cannot parse is an error (upstream: traceback).
// Hub: revision = --revision, or the branch name of --version N, or the highest v{N}
// branch, or "main"; variants = directories under build/ at that revision; metadata =
// build/<first variant by name>/metadata.json, silently omitted when it cannot be fetched
// or parsed (as upstream). Backends are the sorted backend names of all variants.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hub/client.hpp"
#include "hub/types.hpp"
#include "info/metadata_info.hpp"

namespace kcpp::info {

struct KernelInfo {
  std::optional<std::string> path;  // local mode: str(Path(arg)) as Python prints it
  std::optional<std::string> repo_id;  // Hub mode
  std::string revision;                // Hub mode
  std::optional<MetadataInfo> metadata;
  std::vector<std::string> backends;  // sorted, unique
};

// Throws kcpp::Error(failure) "No build variants found in: PATH/build" when there are none.
KernelInfo collect_local(const std::string& arg);

// VERSION is the --version text (Python int() semantics); at most one of REVISION/VERSION.
// Offline (client settings): versions come from CACHE's refs.
KernelInfo collect_hub(const hub::HubClient& client, const std::filesystem::path& cache, const hub::RepoId& repo,
                       const std::optional<std::string>& revision, const std::optional<long>& version);

// Upstream's human lines (Repository/Revision or Path, Name, Version, Minimum kernels
// version, License, Upstream, Source, Python dependencies, Backends), "-" for missing.
std::string render_text(const KernelInfo& info);
// json.dumps(info, indent=2) + "\n": upstream's key order, ASCII-only escapes.
std::string render_json(const KernelInfo& info);

}  // namespace kcpp::info
