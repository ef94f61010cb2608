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
#include "variant/resolve.hpp"
#include "variant/system.hpp"

namespace kcpp::versions {

// Version number of a branch named "v<int>" with Python int() semantics (upstream keeps
// names starting with "v" whose rest parses: "v01" = 1, "v1_0" = 10, "v-1" = -1).
std::optional<long> parse_version_branch(std::string_view branch_name);

struct KernelVersion {
  long number = 0;
  hub::GitRef ref;  // online: refs/heads/vN; offline: name = ref = "vN"
};

// v<N> branches in ascending order; for equal numbers the later branch wins (a dict, as upstream).
std::vector<KernelVersion> kernel_versions(const std::vector<hub::GitRef>& branches);

// Offline: refs/v<N> files of <cache>/kernels--ns--name, then the legacy models--ns--name.
std::vector<KernelVersion> cached_versions(const std::filesystem::path& cache, const hub::RepoId& repo);

// Directory names directly under build/ (from a recursive or a non-recursive listing of
// "build"), de-duplicated, in listing order.
std::vector<std::string> variant_dir_names(const std::vector<hub::TreeEntry>& entries);

// For a RepoNotFound on a kernel repo that exists as a (pre-0.14) model repo: an error that
// says kernel repos are required and how to re-upload. Any other error is rethrown as is.
[[noreturn]] void rethrow_missing_kernel_repo(const Error& error, const hub::HubClient& client,
                                              const hub::RepoId& repo);

struct VariantListing {
  std::vector<variant::Variant> variants;
  std::vector<std::pair<std::string, std::string>> invalid;  // name, parse error
};

// Directory names under build/ (last path component), de-duplicated, parsed.
VariantListing variants_from_names(const std::vector<std::string>& names);

struct VersionReport {
  KernelVersion version;
  std::vector<std::pair<std::string, std::string>> invalid_variants;
  std::vector<variant::Decision> trace;  // sorted, preferred first
  bool has_build_dir = true;
};

struct VersionsReport {
  hub::RepoId repo;
  std::vector<VersionReport> versions;  // ascending; empty = repo has no v{N} branches
};

// Online. A kernel repo that is missing but exists as a model repo gives an error saying
// that kernel repos are required since kernels 0.14 and how to re-upload.
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
