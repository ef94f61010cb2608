// `kernels benchmark REPO (--version N | --revision R | REPO@vN) | PATH [--ops …] [--dtypes …]
// [--workloads …] [--warmup 10] [--iterations 100] [--seed N] [--json] [--output FILE]
// [--dry-run] [--reference-only] [--torch-eager]`: validates a kernel's activation ops on the
// GPU against our reference kernels (cuda/activation) and times both (lib/bench/). Table on
// stdout (or JSON with --json), progress on stderr. Exit 0 all provided ops pass, 1 a case
// failed or the run could not happen (no GPU, no torch, download failure), 2 usage.
#include <fmt/core.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>

#include "bench/benchmark.hpp"
#include "bench/options.hpp"
#include "bench/torch_runtime.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/log.hpp"
#include "cli_main.hpp"

namespace kcpp::cli {

namespace {

bool is_dir(const std::string& p) {
  std::error_code ec;
  return std::filesystem::is_directory(p, ec);
}

void benchmark(const bench::BenchFlags& flags) {
  const auto o = bench::validate(flags, &is_dir);
  // Once torch is loaded (even if the run then fails), main leaves without static destructors.
  struct LeaveQuicklyAfterTorch {
    ~LeaveQuicklyAfterTorch() {
      if (bench::TorchRuntime::loaded()) cli_main::skip_static_destructors();
    }
  } leave_quickly;
  const auto report = bench::run_benchmark(o, [](const std::string& line) {
    fmt::print(stderr, "{}\n", log::escape_lines(line));
    std::fflush(stderr);
  });
  print_out(o.json ? bench::render_json(report) : bench::render_table(report));
  if (o.output) {
    fs::atomic_write(*o.output, bench::render_json(report));
    fmt::print(stderr, "Results saved to: {}\n", *o.output);
  }
  if (auto failure = bench::report_failure(report)) throw *failure;
}

}  // namespace

void register_benchmark(CLI::App& app) {
  auto f = std::make_shared<bench::BenchFlags>();
  auto* cmd = app.add_subcommand("benchmark",
                                 "Validate a kernel's activation ops on the GPU against reference kernels "
                                 "and time both");
  cmd->add_option("kernel", f->target,
                  "Hub repo id (with --version N, --revision R or REPO@vN) or a local variant/kernel directory");
  cmd->add_option("--version", f->version, "Kernel version N: branch vN");
  cmd->add_option("--revision", f->revision, "Branch, tag or commit");
  cmd->add_option("--ops", f->ops, "Comma-separated ops (default: all 11)");
  cmd->add_option("--dtypes", f->dtypes, "Comma-separated dtypes: fp32, fp16, bf16 (default: all three)");
  cmd->add_option("--workloads", f->workloads,
                  "Comma-separated workloads: small, medium, large, decode, prefill, or shapes such as 2x4096 "
                  "(default: all)");
  cmd->add_option("--warmup", f->warmup, "Untimed calls before timing (default 10)");
  cmd->add_option("--iterations", f->iterations, "Timed calls per case (default 100)");
  cmd->add_option("--seed", f->seed, "Seed of the random inputs (default: drawn per run, shown in the report)");
  cmd->add_flag("--json", f->json, "Print the report as JSON instead of the table");
  cmd->add_option("--output", f->output, "Also write the JSON report to FILE");
  cmd->add_flag("--dry-run", f->dry_run, "Resolve, download and inspect the kernel; list what would run (no GPU)");
  cmd->add_flag("--reference-only", f->reference_only, "No kernel: time the reference kernels alone");
  cmd->add_flag("--torch-eager", f->torch_eager,
                "Also time torch eager F.silu(x[..., :d]) * x[..., d:] for silu_and_mul");
  cmd->callback([f]() { benchmark(*f); });
}

}  // namespace kcpp::cli
