// `kernels benchmark REPO (--version N | --revision R | REPO@vN) | PATH [--ops …] [--dtypes …]
// [--workloads …] [--warmup 10] [--iterations 100] [--seed N] [--json] [--output FILE]
// [--dry-run] [--reference-only] [--torch-eager]`: validates a kernel's activation ops on the
// GPU against our reference kernels (cuda/activation) and times both (lib/bench/). Table on
// stdout (or JSON with --json), progress on stderr. Exit 0 all provided ops pass, 1 a case
// failed or the run could not happen (no GPU, no torch, download failure), 2 usage.
#include <fmt/core.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <system_error>

#include "bench/kernel_source.hpp"
#include "bench/options.hpp"
#include "bench/runner.hpp"
#include "bench/torch_runtime.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"

namespace kcpp::cli {

namespace {

bool is_dir(const std::string& p) {
  std::error_code ec;
  return std::filesystem::is_directory(p, ec);
}

bench::KernelUnderTest open_kernel(const bench::BenchOptions& o, const variant::System& system,
                                   const variant::Backend& backend) {
  if (o.target.kind == bench::KernelTarget::Kind::local) return bench::open_local(o.target.path, system, backend);
  auto client = make_client(system);
  std::error_code ec;
  auto cache = std::filesystem::weakly_canonical(std::filesystem::absolute(paths::kernels_cache()), ec);
  if (ec) cache = std::filesystem::absolute(paths::kernels_cache());
  return bench::open_hub(client, cache, o.target, system, backend);
}

bench::Report run(const bench::BenchOptions& o) {
  if (!o.target.warning.empty()) fmt::print(stderr, "{}\n", log::escape_lines(o.target.warning));
  auto [system, backend] = SystemFlags{}.resolve();
  if (o.dry_run) return bench::plan_report(o, open_kernel(o, system, backend));

  // The GPU first: no download or torch load when there is nothing to run on.
  const auto dev = bench::open_gpu();
  const bool need_torch = !o.reference_only || o.torch_eager;
  bench::TorchRuntime* torch = nullptr;
  if (need_torch) {
    if (!system.has_torch || !system.torch_dir || !system.torch_version_full)
      throw Error(ErrorKind::failure, "kernels benchmark needs torch (with CUDA): none was found")
          .hint(
              "point KERNELS_TORCH_DIR at a torch package directory, KERNELS_PYTHON at the Python that has torch, "
              "or activate its virtual environment; `kernels debug system` shows what the probe sees");
    fmt::print(stderr, "Loading torch {} from {}\n", log::escape_controls(*system.torch_version_full),
               log::escape_controls(system.torch_dir->string()));
    torch = &bench::TorchRuntime::load(*system.torch_dir, *system.torch_version_full);
  }
  std::optional<bench::KernelUnderTest> kernel;
  if (!o.reference_only) {
    kernel = open_kernel(o, system, backend);
    fmt::print(stderr, "Loading {} (torch.ops.{})\n", log::escape_controls(kernel->library.string()),
               log::escape_controls(kernel->ns));
    torch->load_library(kernel->library);
  }
  std::fflush(stderr);
  return bench::run_on_gpu(o, dev, kernel ? &*kernel : nullptr, torch, [](const std::string& line) {
    fmt::print(stderr, "{}\n", log::escape_lines(line));
    std::fflush(stderr);
  });
}

void benchmark(const bench::BenchFlags& flags) {
  const auto o = bench::validate(flags, &is_dir);
  std::optional<Error> failure;
  try {
    const auto report = run(o);
    print_out(o.json ? bench::render_json(report) : bench::render_table(report));
    if (o.output) {
      fs::atomic_write(*o.output, bench::render_json(report));
      fmt::print(stderr, "Results saved to: {}\n", *o.output);
    }
    if (!report.ok()) {
      const auto n = report.counts();
      if (n.fail || n.error)
        failure =
            Error(ErrorKind::failure, fmt::format("{} of {} cases failed{}", n.fail + n.error, report.cases.size(),
                                                  n.error ? fmt::format(" ({} with errors)", n.error) : ""))
                .hint("the FAIL/ERROR lines above give each case's error figures or message");
      else
        failure = Error(ErrorKind::failure, "the kernel provides none of the requested ops")
                      .hint("each op's line above says why; --ops selects others");
    }
  } catch (const Error& e) {
    if (!bench::TorchRuntime::loaded()) throw;
    failure = e;
  }
  if (bench::TorchRuntime::loaded()) {
    // Torch was loaded with dlopen next to our static CUDA runtime: its static destructors
    // (CUDA caching allocator, CUDA runtime) would run in an order nothing tests outside
    // Python. Everything is written; leave without them.
    if (failure) fmt::print(stderr, "{}\n", render_error(*failure, log::use_color(2)));
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(failure ? failure->exit_code() : kExitOk);
  }
  if (failure) throw *failure;
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
