#include "bench/benchmark.hpp"

#include <fmt/core.h>

#include <filesystem>

#include "bench/kernel_source.hpp"
#include "bench/runner.hpp"
#include "bench/torch_runtime.hpp"
#include "cache/locked_download.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"
#include "hub/client_factory.hpp"
#include "variant/system.hpp"

namespace kcpp::bench {

namespace {

KernelUnderTest open_kernel(const BenchOptions& o, const variant::System& system, const variant::Backend& backend) {
  if (o.target.kind == KernelTarget::Kind::local) return open_local(o.target.path, system, backend);
  const auto client = hub::client_from_env(variant::user_agent_facts(system));
  return open_hub(client, cache::usable_cache_root(paths::kernels_cache(), /*create=*/false), o.target, system,
                  backend);
}

}  // namespace

Report run_benchmark(const BenchOptions& o, const std::function<void(const std::string&)>& progress) {
  if (!o.target.warning.empty()) progress(o.target.warning);
  const auto system = variant::probe();
  const auto backend = variant::select_backend(system, std::nullopt);
  if (o.dry_run) return plan_report(o, open_kernel(o, system, backend));

  const auto dev = open_gpu();
  TorchRuntime* torch = nullptr;
  if (!o.reference_only || o.torch_eager) {
    if (!system.has_torch || !system.torch_dir || !system.torch_version_full)
      throw Error(ErrorKind::failure, "kernels benchmark needs torch (with CUDA): none was found")
          .hint(
              "point KERNELS_TORCH_DIR at a torch package directory, KERNELS_PYTHON at the Python that has torch, "
              "or activate its virtual environment; `kernels debug system` shows what the probe sees");
    progress(fmt::format("Loading torch {} from {}", log::escape_controls(*system.torch_version_full),
                         log::escape_controls(system.torch_dir->string())));
    torch = &TorchRuntime::load(*system.torch_dir, *system.torch_version_full);
  }
  std::optional<KernelUnderTest> kernel;
  if (!o.reference_only) {
    kernel = open_kernel(o, system, backend);
    progress(fmt::format("Loading {} (torch.ops.{})", log::escape_controls(kernel->library.string()),
                         log::escape_controls(kernel->ns)));
    torch->load_library(kernel->library);
  }
  return run_on_gpu(o, dev, kernel ? &*kernel : nullptr, torch, progress);
}

std::optional<Error> report_failure(const Report& report) {
  if (report.ok()) return std::nullopt;
  const auto n = report.counts();
  if (n.fail || n.error)
    return Error(ErrorKind::failure, fmt::format("{} of {} cases failed{}", n.fail + n.error, report.cases.size(),
                                                 n.error ? fmt::format(" ({} with errors)", n.error) : ""))
        .hint("the FAIL/ERROR lines above give each case's error figures or message");
  return Error(ErrorKind::failure, "the kernel provides none of the requested ops")
      .hint("each op's line above says why; --ops selects others");
}

}  // namespace kcpp::bench
