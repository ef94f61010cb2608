#pragma once
// `kernels versions`: which major versions (branches v{N}) a kernel repo has, and for each
// the decision trace of its build variants on a system. Online from the Hub (trees listed
// concurrently), offline (HF_HUB_OFFLINE) from the cache's refs/ and snapshots/.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "hub/client.hpp"
#include "hub/types.hpp"
#include "repo/version_branches.hpp"
#include "variant/resolve.hpp"
#include "variant/system.hpp"

namespace kcpp::versions {

struct VersionReport {
  repo::KernelVersion version;
  std::vector<std::pair<std::string, std::string>> invalid_variants;
  std::vector<variant::Decision> trace;  // sorted, preferred first
  bool has_build_dir = true;
};

struct VersionsReport {
  hub::RepoId repo;
  std::vector<VersionReport> versions;  // ascending; empty = repo has no v{N} branches
};

// Online. A kernel repo that is missing but exists as a model repo gives an error saying
// that kernel repos are required since kernels 0.14 and how to re-upload (repo::list_versions).
VersionsReport collect_online(const hub::HubClient& client, const hub::RepoId& repo, const variant::System& system,
                              const variant::Backend& selected);

// Offline, from the cache only (kernels-cpp extension: upstream fails listing variants offline).
VersionsReport collect_offline(const std::filesystem::path& cache, const hub::RepoId& repo,
                               const variant::System& system, const variant::Backend& selected);

// Upstream's text: for each version "Version N:\n\n<trace>\n"; no versions →
// "Repository does not support kernel versions: <repo>\n".
std::string render_text(const VersionsReport& report);
// One line per version: "Version N: a, b ✅, c" (all variants sorted by name, ✅ after the preferred).
std::string render_compact(const VersionsReport& report);
// Machine-readable report including the system it was decided for.
std::string render_json(const VersionsReport& report, const variant::System& system, const variant::Backend& selected);

}  // namespace kcpp::versions
