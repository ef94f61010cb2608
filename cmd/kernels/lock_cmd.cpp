// `kernels lock [--check] PROJECT_DIR`: resolve [tool.kernels.dependencies] of
// PROJECT_DIR/pyproject.toml (and their kernel dependencies) to commits and write
// PROJECT_DIR/kernels.lock exactly as kernels 0.17.2 does; --check only compares.
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>

#include "commands.hpp"
#include "common.hpp"
#include "core/paths.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "lock/check.hpp"
#include "lock/lock_file.hpp"
#include "lock/locker.hpp"
#include "lock/pyproject.hpp"
#include "variant/system.hpp"

namespace kcpp::cli {

namespace {

struct LockCmdOptions {
  std::string project_dir;
  bool check = false;
  bool trust_remote_code = false;
  // 4: libcurl keeps at most 5 idle connections per handle by default (more workers would
  // reconnect constantly), and kernels-hub (cpp-httplib) listens with a backlog of 5.
  unsigned jobs = 8;
};

void run_lock(const LockCmdOptions& opts) {
  const std::filesystem::path dir(opts.project_dir);
  auto pyproject = lock::read_pyproject(dir);
  const auto lock_path = dir / "kernels.lock";

  std::optional<lock::LockFile> existing;
  if (opts.check) {  // before any network: a missing or unreadable lock fails fast
    existing = lock::read_lock_file(lock_path);
    if (!existing)
      throw Error(ErrorKind::failure, fmt::format("{} does not exist", lock_path.string()))
          .hint(fmt::format("run `kernels lock {}` and commit kernels.lock", opts.project_dir));
  }

  std::vector<lock::RootDependency> roots;
  for (const auto& d : pyproject.dependencies)
    roots.push_back({lock::Dependency::version(d.repo_id, d.version),
                     fmt::format("{}:{}:{}", pyproject.path, d.key_at.line, d.key_at.column)});

  auto client = make_client(variant::probe());
  lock::LockOptions options;
  options.trust_remote_code = opts.trust_remote_code;
  options.jobs = opts.jobs;
  options.cache = paths::kernels_cache();  // metadata.json kept between runs, as upstream does
  auto result = lock::resolve_locks(client, roots, options);
  for (const auto& w : result.warnings) spdlog::warn("{}", w);
  const std::string json = lock::to_json(result.lock);

  if (!opts.check) {
    fs::atomic_write(lock_path, json);
    spdlog::info("wrote {} ({} kernels)", lock_path.string(), result.lock.entries.size());
    return;
  }
  auto differences = lock::lock_differences(*existing, result);
  if (!differences.empty()) {
    Error e(ErrorKind::failure, fmt::format("{} is out of date ({} {})", lock_path.string(), differences.size(),
                                            differences.size() == 1 ? "difference" : "differences"));
    for (const auto& d : differences) e.cause(d);
    e.hint(fmt::format("run `kernels lock {}` and commit the updated kernels.lock", opts.project_dir));
    throw e;
  }
  std::string current;
  try {
    current = fs::read_file(lock_path);
  } catch (const Error&) {
  }
  if (current != json)
    spdlog::warn("{} is up to date but not formatted as `kernels lock` writes it", lock_path.string());
  print_out(fmt::format("{} is up to date ({} {} locked)\n", lock_path.string(), result.lock.entries.size(),
                        result.lock.entries.size() == 1 ? "kernel" : "kernels"));
}

}  // namespace

void register_lock(CLI::App& app) {
  auto opts = std::make_shared<LockCmdOptions>();
  auto* cmd = app.add_subcommand("lock", "Lock kernel revisions: write PROJECT_DIR/kernels.lock");
  cmd->add_option("project_dir", opts->project_dir, "The project directory (with pyproject.toml)")->required();
  cmd->add_flag("--check", opts->check,
                "Only check that kernels.lock is up to date (exit 1 and say why if not); writes nothing");
  cmd->add_flag("--trust-remote-code", opts->trust_remote_code,
                "Also lock kernels whose publisher the Hub does not mark as trusted");
  cmd->add_option("--jobs,-j", opts->jobs, "Concurrent Hub requests (default 8)")
      ->check(CLI::Range(1u, 64u));
  cmd->callback([opts]() { run_lock(*opts); });
}

}  // namespace kcpp::cli
