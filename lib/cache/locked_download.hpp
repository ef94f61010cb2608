#pragma once
// `kernels download PROJECT_DIR` as one library call: every kernel pinned in
// PROJECT_DIR/kernels.lock into the cache, one after the other (each one's files in
// parallel: download_kernel). A kernel that fails does not stop the others.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cache/kernel_download.hpp"
#include "core/error.hpp"
#include "lock/lock_file.hpp"

namespace kcpp::cache {

// The cache directory to download into: ROOT made absolute (links resolved where they
// exist), created when CREATE. Throws kcpp::Error(io) with a hint naming the variables when
// it cannot be used.
std::filesystem::path usable_cache_root(const std::filesystem::path& root, bool create);

struct LockedDownloadEvents {
  std::function<void(const lock::LockEntry&)> kernel_started;  // before its first request
  std::function<void(const KernelResult&)> kernel_finished;
};

struct LockedDownload {
  std::filesystem::path cache_root;
  std::vector<KernelResult> results;  // one per lock entry, in the lock's order

  // "N of M locked kernels could not be downloaded: a, b" with a hint, when any failed.
  std::optional<Error> failure() const;
};

// PROJECT_DIR/kernels.lock. Throws kcpp::Error when there is none (upstream's message, with
// the path as upstream prints it) or it cannot be parsed (FILE:LINE:COL).
lock::LockFile read_project_lock(const std::string& project_dir);

// Throws kcpp::Error when the cache cannot be used; per-kernel failures are results.
LockedDownload download_locked(const hub::HubClient& client, const lock::LockFile& lock,
                               const std::filesystem::path& cache, const variant::System& system,
                               const variant::Backend& backend, const DownloadOptions& options,
                               DownloadReporter& reporter, const LockedDownloadEvents& events);

}  // namespace kcpp::cache
