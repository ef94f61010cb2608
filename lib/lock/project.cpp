#include "lock/project.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "lock/check.hpp"
#include "lock/lock_file.hpp"
#include "lock/locker.hpp"
#include "lock/pyproject.hpp"

namespace kcpp::lock {

ProjectLockOutcome lock_project(const hub::HubClient& client, const std::filesystem::path& project_dir,
                                const ProjectLockOptions& options) {
  const auto pyproject = read_pyproject(project_dir);
  ProjectLockOutcome out;
  out.lock_path = project_dir / "kernels.lock";
  const std::string shown_dir = project_dir.string();

  std::optional<LockFile> existing;
  if (options.check) {  // before any network: a missing or unreadable lock fails fast
    existing = read_lock_file(out.lock_path);
    if (!existing)
      throw Error(ErrorKind::failure, fmt::format("{} does not exist", out.lock_path.string()))
          .hint(fmt::format("run `kernels lock {}` and commit kernels.lock", shown_dir));
  }

  std::vector<RootDependency> roots;
  for (const auto& d : pyproject.dependencies)
    roots.push_back({Dependency::version(d.repo_id, d.version),
                     fmt::format("{}:{}:{}", pyproject.path, d.key_at.line, d.key_at.column)});
  LockOptions lock_options;
  lock_options.trust_remote_code = options.trust_remote_code;
  lock_options.jobs = options.jobs;
  lock_options.cache = options.cache;
  auto result = resolve_locks(client, roots, lock_options);
  for (const auto& w : result.warnings) spdlog::warn("{}", w);
  out.kernels = result.lock.entries.size();
  const std::string json = to_json(result.lock);

  if (!options.check) {
    fs::atomic_write(out.lock_path, json);
    out.written = true;
    return out;
  }
  const auto differences = lock_differences(*existing, result);
  if (!differences.empty()) {
    Error e(ErrorKind::failure, fmt::format("{} is out of date ({} {})", out.lock_path.string(), differences.size(),
                                            differences.size() == 1 ? "difference" : "differences"));
    for (const auto& d : differences) e.cause(d);
    throw std::move(e).hint(fmt::format("run `kernels lock {}` and commit the updated kernels.lock", shown_dir));
  }
  std::string current;
  try {
    current = fs::read_file(out.lock_path);
  } catch (const Error&) {
  }
  if (current != json)
    spdlog::warn("{} is up to date but not formatted as `kernels lock` writes it", out.lock_path.string());
  return out;
}

}  // namespace kcpp::lock
