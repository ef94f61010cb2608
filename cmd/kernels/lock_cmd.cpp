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
#include "lock/project.hpp"
#include "variant/system.hpp"

namespace kcpp::cli {

namespace {

struct LockCmdOptions {
  std::string project_dir;
  bool check = false;
  bool trust_remote_code = false;
  unsigned jobs = 8;  // concurrent Hub requests
};

void run_lock(const LockCmdOptions& opts) {
  lock::ProjectLockOptions options;
  options.check = opts.check;
  options.trust_remote_code = opts.trust_remote_code;
  options.jobs = opts.jobs;
  options.cache = paths::kernels_cache();  // metadata.json kept between runs, as upstream does
  const auto outcome = lock::lock_project(make_client(variant::probe()), opts.project_dir, options);
  if (outcome.written)
    spdlog::info("wrote {} ({} kernels)", outcome.lock_path.string(), outcome.kernels);
  else
    print_out(fmt::format("{} is up to date ({} {} locked)\n", outcome.lock_path.string(), outcome.kernels,
                          outcome.kernels == 1 ? "kernel" : "kernels"));
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
