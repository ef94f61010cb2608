#include "cache/locked_download.hpp"

#include <fmt/core.h>

#include "core/paths.hpp"
#include "lock/lock_file.hpp"

namespace kcpp::cache {

namespace stdfs = std::filesystem;

stdfs::path usable_cache_root(const stdfs::path& root, bool create) {
  std::error_code ec;
  auto path = stdfs::weakly_canonical(stdfs::absolute(root), ec);
  if (ec) path = stdfs::absolute(root);
  if (create) {
    stdfs::create_directories(path, ec);
    if (ec || !stdfs::is_directory(path))
      throw Error(ErrorKind::io, fmt::format("cannot use {} as the cache directory: {}", path.string(),
                                             ec ? ec.message() : "not a directory"))
          .hint("set KERNELS_CACHE (or HF_HUB_CACHE / HF_HOME) to a writable directory");
  }
  return path;
}

std::optional<Error> LockedDownload::failure() const {
  std::string names;
  std::size_t failed = 0;
  for (const auto& r : results) {
    if (r.status == KernelResult::Status::ok) continue;
    ++failed;
    names += (names.empty() ? "" : ", ") + r.entry.dependency.repo.shown();
  }
  if (failed == 0) return std::nullopt;
  return Error(ErrorKind::failure,
               fmt::format("{} of {} locked kernels could not be downloaded: {}", failed, results.size(), names))
      .hint("the messages above say why for each; kernels that succeeded are in the cache");
}

lock::LockFile read_project_lock(const std::string& project_dir) {
  const std::string shown = paths::python_path_str(project_dir);
  const auto lock_path = stdfs::path(project_dir) / "kernels.lock";
  std::error_code ec;
  if (!stdfs::is_regular_file(lock_path, ec))
    throw Error(ErrorKind::failure, "No kernels.lock file found in: " + shown)
        .hint(fmt::format("run `kernels lock {}` to create it from pyproject.toml", shown));
  const auto lock = lock::read_lock_file(lock_path);
  if (!lock) throw Error(ErrorKind::failure, "No kernels.lock file found in: " + shown);
  return *lock;
}

LockedDownload download_locked(const hub::HubClient& client, const lock::LockFile& lock, const stdfs::path& cache,
                               const variant::System& system, const variant::Backend& backend,
                               const DownloadOptions& options, DownloadReporter& reporter,
                               const LockedDownloadEvents& events) {
  LockedDownload out;
  out.cache_root = usable_cache_root(cache, /*create=*/!lock.entries.empty());
  for (const auto& entry : lock.entries) {
    if (events.kernel_started) events.kernel_started(entry);
    // kernels.lock is read like upstream's reader, which takes any string as a repo id: a bad
    // one fails this entry only, its error located in the file (repo::StatedRepoId).
    auto r = download_kernel(client, out.cache_root, entry, system, backend, options, reporter);
    if (events.kernel_finished) events.kernel_finished(r);
    out.results.push_back(std::move(r));
  }
  return out;
}

}  // namespace kcpp::cache
