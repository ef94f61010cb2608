#pragma once
// Runs the benchmark on the GPU: for each op × dtype × workload, fresh random inputs in
// rotating buffer sets (together >= 4x the L2 cache, so timed calls read DRAM), every output
// poisoned (NaN) before the verification call, the kernel's output compared element by
// element with the reference kernels' on the GPU, then CUDA-event timings of the kernel, the
// reference (and, with --torch-eager, torch's F.silu(x[..., :d]) * x[..., d:]) after warm-up.
//
// open_gpu() first: it says clearly why there is no GPU to run on (no CUDA support in this
// build, no driver, driver too old, no device), before anything is downloaded or loaded.
#include <functional>
#include <string>

#include "bench/device.hpp"
#include "bench/kernel_source.hpp"
#include "bench/options.hpp"
#include "bench/report.hpp"
#include "bench/torch_runtime.hpp"

namespace kcpp::bench {

// Opens CUDA device 0 (CUDA_VISIBLE_DEVICES picks it). Throws kcpp::Error(failure) with a
// hint when this build has no CUDA support or the machine has no usable GPU.
device::DeviceInfo open_gpu();

// The --dry-run report: which ops the kernel provides and with which schema; nothing runs.
Report plan_report(const BenchOptions& options, const KernelUnderTest& kernel);

// The benchmark proper. KERNEL and TORCH are null with --reference-only (TORCH is set there
// only for --torch-eager). PROGRESS gets one line per case (stderr in the CLI).
Report run_on_gpu(const BenchOptions& options, const device::DeviceInfo& dev, const KernelUnderTest* kernel,
                  const TorchRuntime* torch, const std::function<void(const std::string&)>& progress);

// Buffer sets for a case: enough that the sets together exceed 4x the L2 cache, at least 2,
// at most one per call (WARMUP + ITERATIONS), and as many as fit in FREE_BYTES (at least 1).
int buffer_sets(std::uint64_t footprint, std::uint64_t l2_bytes, int warmup, int iterations, std::uint64_t free_bytes);

}  // namespace kcpp::bench
