#pragma once
// A kernel's major versions: branches named v{N}. Which branch names count (Python int()
// semantics, as upstream), the versions of a repository on the Hub or in the cache, and the
// one "Version N not found" error every command gives.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "hub/client.hpp"
#include "hub/types.hpp"

namespace kcpp::repo {

// Version number of a branch named "v<int>" with Python int() semantics (upstream keeps
// names starting with "v" whose rest parses: "v01" = 1, "v1_0" = 10, "v-1" = -1).
std::optional<long> parse_version_branch(std::string_view branch_name);

// The major version given as a command-line argument (FLAG, e.g. "--version"): Python int()
// text, as upstream's argparse takes it. Throws a usage error "argument --version: invalid
// int value: 'x'" (argparse's words) — also for a negative number unless ALLOW_NEGATIVE.
long version_argument(std::string_view text, std::string_view flag, bool allow_negative = true);

struct KernelVersion {
  long number = 0;
  hub::GitRef ref;  // online: refs/heads/vN; offline: name = ref = "vN"
};

// v<N> branches in ascending order; for equal numbers the later branch wins (a dict, as upstream).
std::vector<KernelVersion> kernel_versions(const std::vector<hub::GitRef>& branches);

// The versions of REPO on the Hub (its branches). A kernel repo that is missing but exists
// as a (pre-0.14) model repo gives an error saying kernel repos are required and how to re-upload.
std::vector<KernelVersion> list_versions(const hub::HubClient& client, const hub::RepoId& repo);

// Offline: refs/v<N> files of <cache>/kernels--ns--name, then the legacy models--ns--name.
std::vector<KernelVersion> cached_versions(const std::filesystem::path& cache, const hub::RepoId& repo);

// The entry of AVAILABLE (ascending) numbered WANTED, or nullptr.
const KernelVersion* find_version(const std::vector<KernelVersion>& available, long wanted);

// Upstream's error for a missing version, "Version N not found, available versions: 1, 2",
// prefixed by CONTEXT (e.g. "org/name: ") where a command deals with several repositories,
// with HINT (or, when there are no versions at all, NO_VERSIONS_HINT).
Error version_not_found(long wanted, const std::vector<KernelVersion>& available, std::string_view context,
                        std::string hint, std::string no_versions_hint);

// For a RepoNotFound on a kernel repo that exists as a (pre-0.14) model repo: an error that
// says kernel repos are required and how to re-upload. Any other error is rethrown as is.
[[noreturn]] void rethrow_missing_kernel_repo(const Error& error, const hub::HubClient& client,
                                              const hub::RepoId& repo);

}  // namespace kcpp::repo
