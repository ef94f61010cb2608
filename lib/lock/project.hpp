#pragma once
// `kernels lock [--check] PROJECT_DIR` as one library call: read PROJECT_DIR/pyproject.toml,
// resolve its dependencies (and their kernel-depends) to commits, then write
// PROJECT_DIR/kernels.lock exactly as kernels 0.17.2 does — or, with `check`, only compare it.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hub/client.hpp"

namespace kcpp::lock {

struct ProjectLockOptions {
  bool check = false;               // compare with the existing kernels.lock; write nothing
  bool trust_remote_code = false;   // skip the publisher trust check
  unsigned jobs = 8;                // concurrent Hub requests
  // Where metadata.json blobs are kept between runs (as upstream does); nullopt: not cached.
  std::optional<std::filesystem::path> cache;
};

struct ProjectLockOutcome {
  std::filesystem::path lock_path;
  std::size_t kernels = 0;            // entries of the (written or checked) lock
  bool written = false;               // false: --check found it up to date
};

// Throws kcpp::Error: pyproject.toml problems (FILE:LINE:COL), resolution failures (as
// resolve_locks), and with `check` a missing kernels.lock (before any request) or an
// out-of-date one ("… is out of date (N differences)", one cause per difference).
// Upstream's warnings (a newer version exists, an invalid variant name, …) go to the log
// (spdlog::warn) in upstream's order as soon as the resolution ends, also when it then fails.
ProjectLockOutcome lock_project(const hub::HubClient& client, const std::filesystem::path& project_dir,
                                const ProjectLockOptions& options);

}  // namespace kcpp::lock
