#pragma once
// `kernels benchmark` as one library call: probe the system, open the GPU (first: no
// download or torch load when there is nothing to run on), load torch, open the kernel
// (local directory, or resolved and downloaded from the Hub into the cache), run every case
// (runner.hpp) and return the report. --dry-run stops after opening the kernel.
#include <functional>
#include <optional>
#include <string>

#include "bench/options.hpp"
#include "bench/report.hpp"
#include "core/error.hpp"

namespace kcpp::bench {

// PROGRESS receives one line at a time ("Loading torch 2.11.0 from …", each case's line).
// Throws kcpp::Error when the run cannot happen (no GPU, no torch, the kernel cannot be
// opened or downloaded). Once it has loaded torch, TorchRuntime::loaded() is true even when
// it throws: the caller must then leave without static destructors (torch_runtime.hpp).
Report run_benchmark(const BenchOptions& options, const std::function<void(const std::string&)>& progress);

// Why a finished REPORT is a failure (cases failed or errored; none of the ops provided),
// as an error with a hint; nullopt when it passed.
std::optional<Error> report_failure(const Report& report);

}  // namespace kcpp::bench
