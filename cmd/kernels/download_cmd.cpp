// `kernels download DIR`: fetch the kernels pinned in DIR/kernels.lock into the Hugging Face
// cache (the variant that fits this machine, or all of them), verified before they appear
// under snapshots/. Prints upstream's "Downloading kernel: …" lines on stderr and each
// variant's directory on stdout (or a --json summary).
#include <fmt/core.h>
#include <unistd.h>

#include <memory>

#include "cache/download_report.hpp"
#include "cache/kernel_download.hpp"
#include "cache/progress.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/fs.hpp"
#include "core/paths.hpp"
#include "hub/types.hpp"
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

// str() of a Python pathlib.Path built from S ("./x/" → "x", "" → "."), as upstream prints it.
std::string python_path_str(const std::string& s) {
  std::string out;
  const bool absolute = !s.empty() && s.front() == '/';
  std::size_t i = 0;
  while (i <= s.size()) {
    auto j = s.find('/', i);
    if (j == std::string::npos) j = s.size();
    auto part = s.substr(i, j - i);
    if (!part.empty() && part != ".") out += (out.empty() ? "" : "/") + part;
    i = j + 1;
  }
  if (absolute) return "/" + out;
  return out.empty() ? "." : out;
}

void run_download(const DownloadCmdOptions& o) {
  const std::string shown = python_path_str(o.project_dir);
  const auto lock_path = std::filesystem::path(o.project_dir) / "kernels.lock";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(lock_path, ec))
    throw Error(ErrorKind::failure, "No kernels.lock file found in: " + shown)
        .hint(fmt::format("run `kernels lock {}` to create it from pyproject.toml", shown));
  auto lock = lock::read_lock_file(lock_path);
  if (!lock) throw Error(ErrorKind::failure, "No kernels.lock file found in: " + shown);

  auto [system, backend] = o.system.resolve();
  auto client = make_client(system);
  auto cache_root = std::filesystem::weakly_canonical(std::filesystem::absolute(paths::kernels_cache()), ec);
  if (ec) cache_root = std::filesystem::absolute(paths::kernels_cache());
  if (!lock->entries.empty()) {
    std::filesystem::create_directories(cache_root, ec);
    if (ec || !std::filesystem::is_directory(cache_root))
      throw Error(ErrorKind::io, fmt::format("cannot use {} as the cache directory: {}", cache_root.string(),
                                             ec ? ec.message() : "not a directory"))
          .hint("set KERNELS_CACHE (or HF_HUB_CACHE / HF_HOME) to a writable directory");
  }

  cache::DownloadOptions options;
  options.all_variants = o.all_variants;
  options.jobs = o.jobs;
  options.recheck = o.recheck;
  auto reporter = cache::make_progress_reporter(::isatty(2) == 1);
  const bool color = log::use_color(2);

  std::vector<cache::KernelResult> results;
  std::vector<std::string> failed;
  for (const auto& entry : lock->entries) {
    fmt::print(stderr, "Downloading kernel: {} (revision: {})\n", entry.dependency.repo.shown(),
               entry.commit);
    std::fflush(stderr);
    // kernels.lock is read like upstream's reader, which takes any string as a repo id: a bad
    // one fails this entry only, its error located in the file (repo::StatedRepoId).
    auto r = cache::download_kernel(client, cache_root, entry, system, backend, options, *reporter);
    if (r.status == cache::KernelResult::Status::no_variant) fmt::print(stderr, "{}\n", log::escape_lines(r.message));
    if (r.error) fmt::print(stderr, "{}\n", render_error(*r.error, color));
    if (r.status != cache::KernelResult::Status::ok) failed.push_back(entry.dependency.repo.shown());
    std::fflush(stderr);
    results.push_back(std::move(r));
  }

  print_out(o.json ? cache::render_json(results, cache_root) : cache::render_paths(results));
  if (!failed.empty()) {
    std::string names;
    for (const auto& n : failed) names += (names.empty() ? "" : ", ") + n;
    throw Error(ErrorKind::failure, fmt::format("{} of {} locked kernels could not be downloaded: {}", failed.size(),
                                                results.size(), names))
        .hint("the messages above say why for each; kernels that succeeded are in the cache");
  }
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
