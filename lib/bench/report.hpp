#pragma once
// What `kernels benchmark` found: per op × dtype × workload, the verification against the
// reference kernels and the timings; plus the kernel, the machine and the settings. Rendered
// as a table (stdout) or JSON (--json / --output); the renderers are pure functions.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench/dtype.hpp"
#include "bench/stats.hpp"

namespace kcpp::bench {

enum class CaseStatus {
  pass,          // every element within tolerance
  fail,          // some element outside tolerance, non-finite, or not written
  not_provided,  // the kernel does not declare the op (or has no CUDA implementation of it)
  unsupported,   // the kernel declares the op with another schema: not called
  error,         // the call failed (torch error) — message says why
  planned,       // --dry-run: would be run
  timed,         // --reference-only: the reference kernels timed, nothing to verify
};

std::string_view status_name(CaseStatus s);  // "pass", "FAIL", "not provided", …

struct Mismatch {
  std::uint64_t index = 0;  // flat output index
  std::int64_t row = 0, col = 0;
  double x = 0, y = 0;  // the input pair (y: gated ops only)
  double got = 0, expected = 0;
};

struct Tolerance {
  double rtol = 0, atol = 0;  // pass: |got - expected| <= atol + rtol * |expected|, both finite
};

// fp32: rtol 1e-5, atol 1e-6; fp16/bf16: rtol 1e-2, atol 1e-2.
Tolerance tolerance_for(DType dt);

struct Verification {
  std::uint64_t elements = 0;    // checked (all outputs of all buffer sets)
  std::uint64_t mismatches = 0;  // outside tolerance, non-finite included
  std::uint64_t nonfinite = 0;   // NaN/Inf where the reference is finite (the poison is NaN)
  double max_abs = 0;            // max |got - expected| over finite pairs
  double max_rel = 0;            // max |got - expected| / |expected| over |expected| >= atol
  double worst = 0;              // max |got - expected| / (atol + rtol |expected|): <= 1 passes
  Tolerance tol;
  std::optional<Mismatch> first;
};

struct Timing {
  Stats stats;      // milliseconds per call
  double gbps = 0;  // bytes moved / median
  double pct_of_copy = 0;
};

struct CaseResult {
  std::string op;
  DType dtype = DType::f32;
  std::string workload;
  std::vector<std::int64_t> in_shape, out_shape;
  std::uint64_t bytes = 0;  // read + written per call
  int buffer_sets = 0;      // rotating input/output sets
  CaseStatus status = CaseStatus::planned;
  std::string message;  // not provided / unsupported / error: why
  std::optional<Verification> verification;
  std::optional<Timing> kernel, reference, eager;
  std::optional<Verification> eager_verification;
  // reference median / kernel median (> 1: the kernel is faster than our reference)
  std::optional<double> speedup() const;
};

struct KernelSummary {
  std::string display;                    // "org/name@v1" or the local path
  std::string repo_id, revision, commit;  // Hub only
  std::string variant, path, ns, library;
};

struct MachineSummary {
  std::string gpu;
  int cc_major = 0, cc_minor = 0, sm_count = 0;
  std::uint64_t l2_bytes = 0, memory_bytes = 0;
  int driver_version = 0, runtime_version = 0;  // CUDA, e.g. 13000
  std::string torch_version, torch_dir;
  double copy_gbps = 0;  // cudaMemcpyAsync device-to-device, read + write
  std::optional<Stats> copy;
  std::uint64_t copy_bytes = 0;
};

struct Settings {
  int warmup = 10, iterations = 100;
  std::uint64_t seed = 0;
  bool dry_run = false, reference_only = false, torch_eager = false;
};

struct Report {
  std::optional<KernelSummary> kernel;    // absent with --reference-only
  std::optional<MachineSummary> machine;  // absent with --dry-run
  Settings settings;
  std::vector<CaseResult> cases;

  struct Counts {
    std::size_t pass = 0, fail = 0, not_provided = 0, unsupported = 0, error = 0, planned = 0, timed = 0;
  };
  Counts counts() const;
  // No failure and no error, and (with a kernel) at least one op provided.
  bool ok() const;
};

std::string render_table(const Report& report);
std::string render_json(const Report& report);

}  // namespace kcpp::bench
