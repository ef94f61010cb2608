// `kernels download DIR`: fetch the kernels pinned in DIR/kernels.lock into the Hugging Face
// cache (the variant that fits this machine, or all of them), verified before they appear
// under snapshots/. Prints upstream's "Downloading kernel: …" lines on stderr and each
// variant's directory on stdout (or a --json summary).
#include <fmt/core.h>
#include <unistd.h>

#include <memory>

#include "cache/download_report.hpp"
#include "cache/kernel_download.hpp"
#include "cache/locked_download.hpp"
#include "cache/progress.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"
#include "lock/lock_file.hpp"

namespace kcpp::cli {

namespace {

struct DownloadCmdOptions {
  std::string project_dir;
  bool all_variants = false;
  unsigned jobs = 8;
  bool json = false;
  bool recheck = false;
  SystemFlags system;
};

void run_download(const DownloadCmdOptions& o) {
  const auto lock = cache::read_project_lock(o.project_dir);  // before anything else: no lock, no work
  auto [system, backend] = o.system.resolve();
  cache::DownloadOptions options;
  options.all_variants = o.all_variants;
  options.jobs = o.jobs;
  options.recheck = o.recheck;
  auto reporter = cache::make_progress_reporter(::isatty(2) == 1);
  const bool color = log::use_color(2);

  cache::LockedDownloadEvents events;
  events.kernel_started = [](const lock::LockEntry& entry) {
    fmt::print(stderr, "Downloading kernel: {} (revision: {})\n", entry.dependency.repo.shown(), entry.commit);
    std::fflush(stderr);
  };
  events.kernel_finished = [color](const cache::KernelResult& r) {
    if (r.status == cache::KernelResult::Status::no_variant) fmt::print(stderr, "{}\n", log::escape_lines(r.message));
    if (r.error) fmt::print(stderr, "{}\n", render_error(*r.error, color));
    std::fflush(stderr);
  };
  const auto done = cache::download_locked(make_client(system), lock, paths::kernels_cache(), system, backend,
                                           options, *reporter, events);
  print_out(o.json ? cache::render_json(done.results, done.cache_root) : cache::render_paths(done.results));
  if (auto failure = done.failure()) throw *failure;
}

}  // namespace

void register_download(CLI::App& app) {
  auto opts = std::make_shared<DownloadCmdOptions>();
  auto* cmd = app.add_subcommand("download", "Download the kernels locked in DIR/kernels.lock into the cache");
  cmd->add_option("project_dir", opts->project_dir, "The project directory (holding kernels.lock)")->required();
  cmd->add_flag("--all-variants", opts->all_variants, "Download all build variants of each kernel");
  cmd->add_option("-j,--jobs", opts->jobs, "Parallel file transfers (default 8)")->check(CLI::Range(1u, 256u));
  cmd->add_flag("--json", opts->json, "Print a JSON summary on stdout instead of the variant paths");
  cmd->add_flag("--recheck", opts->recheck, "Re-hash blobs already in the cache (replacing any that do not match)");
  opts->system.add_to(*cmd);
  cmd->callback([opts]() { run_download(*opts); });
}

}  // namespace kcpp::cli
