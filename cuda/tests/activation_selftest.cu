// Self-test and bandwidth benchmark of cuda/activation/activation_cuda/activation_kernels.cuh
// (no torch).
//
//   activation_selftest                 every op x dtype x shape against a double-precision CPU
//                                       reference; PASS/FAIL per case; exit 1 on any failure
//   activation_selftest --bench         then times the large workloads (8x4096x8192) and prints
//                                       GB/s and % of the measured cudaMemcpyAsync D2D bandwidth
//   options: --bench-only (skip the tests), --reps N (default 30, at least 20), --filter SUBSTR
//            (op names containing SUBSTR), --quiet (print failures and the summary only)
//
// Exit codes: 0 all passed, 1 a case failed, 2 usage or CUDA error, 77 no CUDA device (skip).
// Build: target activation_selftest of cuda/CMakeLists.txt (sm_80 + sm_90), or
//   nvcc -std=c++17 -O3 -arch=sm_90 -o activation_selftest cuda/tests/activation_selftest.cu
//
// Cases poison the whole output allocation (0xFF bytes: NaN in every dtype) and check that every
// element outside the output rows still holds the poison. Benchmark: CUDA events around each
// launch, 5 warm-up launches, median of the timed ones, rotating over >= 2 input/output sets whose
// total is >= 4x the L2 size; GB/s = (bytes read + bytes written) / time, compared with a 1 GiB
// cudaMemcpyAsync device-to-device copy measured the same way.
#include "../activation/activation_cuda/activation_kernels.cuh"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace act = kcpp::activation;

#define CHECK_CUDA(expr)                                                                              \
  do {                                                                                                \
    const cudaError_t err_ = (expr);                                                                  \
    if (err_ != cudaSuccess) {                                                                        \
      std::fprintf(stderr, "CUDA error %s at %s:%d: %s\n", cudaGetErrorName(err_), __FILE__, __LINE__, \
                   cudaGetErrorString(err_));                                                         \
      std::exit(2);                                                                                   \
    }                                                                                                 \
  } while (0)

namespace {

// ---------------------------------------------------------------------------------------------
// Host-side storage conversions.
uint16_t f32_to_f16_bits(float v) {
  const __half_raw r = __float2half_rn(v);
  return r.x;
}
uint16_t f32_to_bf16_bits(float v) {
  const __nv_bfloat16_raw r = __float2bfloat16_rn(v);
  return r.x;
}
double f16_bits_to_double(uint16_t b) {
  __half_raw r;
  r.x = b;
  return static_cast<double>(__half2float(__half(r)));
}
double bf16_bits_to_double(uint16_t b) {
  uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return static_cast<double>(f);
}

// Element `i` of a host buffer of dtype `dt`, as double.
double get(const std::vector<unsigned char>& buf, act::DType dt, int64_t i) {
  if (dt == act::DType::F32) {
    float f;
    std::memcpy(&f, buf.data() + i * 4, 4);
    return f;
  }
  uint16_t b;
  std::memcpy(&b, buf.data() + i * 2, 2);
  return dt == act::DType::F16 ? f16_bits_to_double(b) : bf16_bits_to_double(b);
}

void put(std::vector<unsigned char>& buf, act::DType dt, int64_t i, float v) {
  if (dt == act::DType::F32) {
    std::memcpy(buf.data() + i * 4, &v, 4);
    return;
  }
  const uint16_t b = dt == act::DType::F16 ? f32_to_f16_bits(v) : f32_to_bf16_bits(v);
  std::memcpy(buf.data() + i * 2, &b, 2);
}

// ---------------------------------------------------------------------------------------------
// Correctness.
struct Case {
  const char* what;
  int64_t rows, d;
  int64_t in_off = 0, out_off = 0;  // elements from a 256-byte aligned allocation
  int64_t in_pad = 0, out_pad = 0;  // extra elements per row (strided rows)
};

struct Tolerance {
  double rtol, atol;
};

Tolerance tolerance(act::DType dt) {
  if (dt == act::DType::F32) return {1e-5, 1e-6};
  return {1e-2, 1e-3};
}

constexpr float kThreshold = 0.25f;  // fatrelu_and_mul

// Returns true when the case passes.
bool run_case(act::Op op, act::DType dt, const Case& c, std::mt19937& rng, bool quiet) {
  const int64_t es = static_cast<int64_t>(act::dtype_size(dt));
  const int64_t width = act::input_width(op, c.d);
  const int64_t in_stride = width + c.in_pad, out_stride = c.d + c.out_pad;
  const int64_t in_elems = c.in_off + (c.rows > 0 ? (c.rows - 1) * in_stride + width : 0) + 1;
  const int64_t out_elems = c.out_off + (c.rows > 0 ? (c.rows - 1) * out_stride + c.d : 0) + 1;

  // Inputs: uniform [-6, 6] with special values sprinkled in (signed zeros, the fatrelu threshold
  // exactly, large magnitudes where exp() overflows).
  std::uniform_real_distribution<float> uni(-6.0f, 6.0f);
  const float specials[] = {0.0f, -0.0f, kThreshold, -kThreshold, 20.0f, -20.0f, 1e-3f, -1e-3f, 6.0f, -6.0f};
  std::vector<unsigned char> h_in(static_cast<size_t>(in_elems * es));
  for (int64_t i = 0; i < in_elems; ++i)
    put(h_in, dt, i, (i % 37 == 5) ? specials[(i / 37) % 10] : uni(rng));

  void *d_in = nullptr, *d_out = nullptr;
  CHECK_CUDA(cudaMalloc(&d_in, static_cast<size_t>(in_elems * es)));
  CHECK_CUDA(cudaMalloc(&d_out, static_cast<size_t>(out_elems * es)));
  CHECK_CUDA(cudaMemcpy(d_in, h_in.data(), h_in.size(), cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemset(d_out, 0xFF, static_cast<size_t>(out_elems * es)));  // poison: NaN in every dtype

  unsigned char* in_base = static_cast<unsigned char*>(d_in) + c.in_off * es;
  unsigned char* out_base = static_cast<unsigned char*>(d_out) + c.out_off * es;
  act::LaunchPlan plan;
  CHECK_CUDA(act::plan_launch(op, dt, out_base, in_base, c.rows, c.d, &plan, in_stride, out_stride));
  CHECK_CUDA(act::launch(op, dt, out_base, in_base, c.rows, c.d, nullptr, kThreshold, in_stride, out_stride));
  CHECK_CUDA(cudaDeviceSynchronize());

  std::vector<unsigned char> h_out(static_cast<size_t>(out_elems * es));
  CHECK_CUDA(cudaMemcpy(h_out.data(), d_out, h_out.size(), cudaMemcpyDeviceToHost));
  CHECK_CUDA(cudaFree(d_in));
  CHECK_CUDA(cudaFree(d_out));

  const Tolerance tol = tolerance(dt);
  int64_t bad = 0, untouched_bad = 0;
  double max_err = 0.0;
  std::vector<char> written(static_cast<size_t>(out_elems), 0);
  char first[512] = "";
  for (int64_t r = 0; r < c.rows; ++r) {
    for (int64_t j = 0; j < c.d; ++j) {
      const int64_t xi = c.in_off + r * in_stride + j;
      const int64_t oi = c.out_off + r * out_stride + j;
      written[static_cast<size_t>(oi)] = 1;
      const double x = get(h_in, dt, xi);
      const double y = act::is_gated(op) ? get(h_in, dt, xi + c.d) : 0.0;
      const double ref = act::reference(op, x, y, kThreshold);
      const double got = get(h_out, dt, oi);
      const double err = std::fabs(got - ref);
      const bool ok = std::isfinite(got) && err <= tol.atol + tol.rtol * std::fabs(ref);
      if (std::isfinite(got)) max_err = std::max(max_err, err / (tol.atol + tol.rtol * std::fabs(ref)));
      if (!ok) {
        if (bad == 0)
          std::snprintf(first, sizeof first, "first at row %lld col %lld: x=%.8g y=%.8g got=%.8g ref=%.8g",
                        static_cast<long long>(r), static_cast<long long>(j), x, y, got, ref);
        ++bad;
      }
    }
  }
  // Everything outside the output region must still hold the poison.
  for (int64_t i = 0; i < out_elems; ++i) {
    if (written[static_cast<size_t>(i)]) continue;
    for (int64_t b = 0; b < es; ++b)
      if (h_out[static_cast<size_t>(i * es + b)] != 0xFF) {
        ++untouched_bad;
        break;
      }
  }
  const bool pass = bad == 0 && untouched_bad == 0;
  if (!pass || !quiet) {
    std::printf("%s %-18s %-4s %-22s rows=%-6lld d=%-6lld %-6s head=%d tail=%d grid=%ux%u  worst=%.3f of tol",
                pass ? "PASS" : "FAIL", act::op_name(op), act::dtype_name(dt), c.what, static_cast<long long>(c.rows),
                static_cast<long long>(c.d), plan.vectorized ? "vec16" : "scalar", plan.head, plan.tail,
                plan.grid.x, plan.grid.y, max_err);
    if (bad) std::printf("\n     %lld mismatches; %s", static_cast<long long>(bad), first);
    if (untouched_bad) std::printf("\n     %lld elements outside the output were written", static_cast<long long>(untouched_bad));
    std::printf("\n");
  }
  return pass;
}

std::vector<Case> cases() {
  return {
      {"tiny", 1, 1},
      {"odd d", 3, 7},
      {"one vector", 4, 8},
      {"aligned", 5, 64},
      {"aligned", 33, 1000},
      {"odd d, long rows", 7, 4099},
      {"d=8192", 2, 8192},
      {"rows > 65535", 70000, 8},
      {"in/out offset 1 (same)", 9, 256, 1, 1},
      {"in offset 1, out 0", 9, 256, 1, 0},
      {"in offset 3, out 3", 5, 1000, 3, 3},
      {"strided rows (x8)", 6, 128, 0, 0, 8, 16},
      {"strided rows (odd)", 6, 128, 0, 0, 3, 0},
      {"one long row, offset", 1, 100003, 3, 3},
      {"d=4 offset 2", 11, 4, 2, 2},
  };
}

// ---------------------------------------------------------------------------------------------
// Benchmark.
__global__ void fill_kernel(unsigned char* p, int64_t n_elems, int es, uint32_t seed) {
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n_elems;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    uint32_t h = static_cast<uint32_t>(i) * 2654435761u ^ seed;
    h ^= h >> 15;
    h *= 2246822519u;
    h ^= h >> 13;
    const float v = (static_cast<float>(h & 0xFFFFFF) / 16777216.0f) * 8.0f - 4.0f;
    if (es == 4)
      reinterpret_cast<float*>(p)[i] = v;
    else if (es == 2 && (seed & 1))
      reinterpret_cast<__nv_bfloat16*>(p)[i] = __float2bfloat16_rn(v);
    else
      reinterpret_cast<__half*>(p)[i] = __float2half_rn(v);
  }
}

double median(std::vector<float> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct Timing {
  double median_ms, min_ms;
};

// Times `fn(i)` (i = repetition index) with CUDA events: warm-up, then `reps` timed runs.
template <typename F>
Timing time_it(F&& fn, int reps, cudaStream_t s) {
  for (int i = 0; i < 5; ++i) fn(i);
  CHECK_CUDA(cudaStreamSynchronize(s));
  std::vector<cudaEvent_t> ev(static_cast<size_t>(2 * reps));
  for (auto& e : ev) CHECK_CUDA(cudaEventCreate(&e));
  for (int i = 0; i < reps; ++i) {
    CHECK_CUDA(cudaEventRecord(ev[2 * i], s));
    fn(i);
    CHECK_CUDA(cudaEventRecord(ev[2 * i + 1], s));
  }
  CHECK_CUDA(cudaStreamSynchronize(s));
  std::vector<float> ms(static_cast<size_t>(reps));
  for (int i = 0; i < reps; ++i) CHECK_CUDA(cudaEventElapsedTime(&ms[i], ev[2 * i], ev[2 * i + 1]));
  for (auto& e : ev) CHECK_CUDA(cudaEventDestroy(e));
  return {median(ms), *std::min_element(ms.begin(), ms.end())};
}

struct BenchRow {
  act::Op op;
  act::DType dt;
  int64_t rows, d;
  int64_t in_off = 0, out_off = 0;  // elements from a 256-byte aligned allocation
  const char* note = "";
};

int run_bench(int reps, const std::string& filter) {
  int dev = 0;
  CHECK_CUDA(cudaGetDevice(&dev));
  cudaDeviceProp prop{};
  CHECK_CUDA(cudaGetDeviceProperties(&prop, dev));
  const size_t l2 = static_cast<size_t>(prop.l2CacheSize);
  cudaStream_t s;
  CHECK_CUDA(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));

  // Reference bandwidth: device-to-device copy of 1 GiB (read + write counted).
  const size_t copy_bytes = size_t(1) << 30;
  void *ca = nullptr, *cb = nullptr;
  CHECK_CUDA(cudaMalloc(&ca, copy_bytes));
  CHECK_CUDA(cudaMalloc(&cb, copy_bytes));
  CHECK_CUDA(cudaMemsetAsync(ca, 0, copy_bytes, s));
  const Timing ct = time_it([&](int) { CHECK_CUDA(cudaMemcpyAsync(cb, ca, copy_bytes, cudaMemcpyDeviceToDevice, s)); },
                            reps, s);
  CHECK_CUDA(cudaFree(ca));
  CHECK_CUDA(cudaFree(cb));
  const double copy_gbs = 2.0 * static_cast<double>(copy_bytes) / (ct.median_ms * 1e6);
  std::printf("\nBenchmark on %s (%d SMs, L2 %.0f MiB); %d timed reps (median), 5 warm-up\n", prop.name,
              prop.multiProcessorCount, l2 / 1048576.0, reps);
  std::printf("cudaMemcpyAsync D2D 1 GiB: %.3f ms median -> %.1f GB/s (read + write)\n\n", ct.median_ms, copy_gbs);

  const int64_t B = 8, S = 4096, H = 8192;
  std::vector<BenchRow> rows;
  for (act::DType dt : {act::DType::F16, act::DType::BF16, act::DType::F32})
    for (act::Op op : act::kAllOps)
      rows.push_back({op, dt, B * S, act::is_gated(op) ? H / 2 : H});
  // Fallback / edge paths, for information.
  rows.push_back({act::Op::SiluAndMul, act::DType::F16, B * S, H / 2 - 1, 0, 0, "odd d: scalar path"});
  rows.push_back({act::Op::SiluAndMul, act::DType::BF16, B * S, H / 2, 1, 1, "offsets 1/1: vec + head/tail"});
  rows.push_back({act::Op::Gelu, act::DType::F16, B * S, H - 1, 0, 0, "odd d: one packed row"});
  rows.push_back({act::Op::Silu, act::DType::BF16, B * S, H, 1, 0, "offsets 1/0: scalar path"});

  std::printf("| %-18s | %-4s | %-22s | %-6s | %9s | %9s | %9s | %8s | %7s | %s\n", "op", "type", "input -> output",
              "path", "MiB", "median us", "min us", "GB/s", "% D2D", "note");
  std::printf("|%s|\n", std::string(140, '-').c_str());
  double worst_pct = 1e9;
  std::string worst;
  for (const BenchRow& br : rows) {
    if (!filter.empty() && std::string(act::op_name(br.op)).find(filter) == std::string::npos) continue;
    const size_t es = act::dtype_size(br.dt);
    const int64_t width = act::input_width(br.op, br.d);
    const size_t in_bytes = static_cast<size_t>(br.rows * width + br.in_off) * es;
    const size_t out_bytes = static_cast<size_t>(br.rows * br.d + br.out_off) * es;
    const size_t footprint = in_bytes + out_bytes;
    // Rotate over enough buffer sets that each run touches memory the previous ones evicted.
    size_t free_b = 0, total_b = 0;
    CHECK_CUDA(cudaMemGetInfo(&free_b, &total_b));
    size_t sets = std::max<size_t>(2, (4 * l2 + footprint - 1) / footprint);
    sets = std::min<size_t>(sets, std::max<size_t>(1, (free_b * 8 / 10) / footprint));
    std::vector<unsigned char*> ins(sets), outs(sets);
    for (size_t k = 0; k < sets; ++k) {
      CHECK_CUDA(cudaMalloc(reinterpret_cast<void**>(&ins[k]), in_bytes));
      CHECK_CUDA(cudaMalloc(reinterpret_cast<void**>(&outs[k]), out_bytes));
      fill_kernel<<<1024, 256, 0, s>>>(ins[k], static_cast<int64_t>(in_bytes / es), static_cast<int>(es),
                                       static_cast<uint32_t>(2 * k + (br.dt == act::DType::BF16 ? 1 : 0)));
      CHECK_CUDA(cudaGetLastError());
    }
    act::LaunchPlan plan;
    CHECK_CUDA(act::plan_launch(br.op, br.dt, outs[0] + br.out_off * es, ins[0] + br.in_off * es, br.rows, br.d, &plan));
    const Timing t = time_it(
        [&](int i) {
          const size_t k = static_cast<size_t>(i) % sets;
          CHECK_CUDA(act::launch(br.op, br.dt, outs[k] + br.out_off * es, ins[k] + br.in_off * es, br.rows, br.d, s,
                                 kThreshold));
        },
        reps, s);
    for (size_t k = 0; k < sets; ++k) {
      CHECK_CUDA(cudaFree(ins[k]));
      CHECK_CUDA(cudaFree(outs[k]));
    }
    const double bytes = static_cast<double>(act::bytes_moved(br.op, br.dt, br.rows, br.d));
    const double gbs = bytes / (t.median_ms * 1e6);
    const double pct = 100.0 * gbs / copy_gbs;
    char shape[64];
    std::snprintf(shape, sizeof shape, "%lldx%lld -> %lldx%lld", static_cast<long long>(br.rows),
                  static_cast<long long>(width), static_cast<long long>(br.rows), static_cast<long long>(br.d));
    std::printf("| %-18s | %-4s | %-22s | %-6s | %9.1f | %9.1f | %9.1f | %8.1f | %6.1f%% | %s\n", act::op_name(br.op),
                act::dtype_name(br.dt), shape, plan.vectorized ? "vec16" : "scalar", bytes / 1048576.0,
                t.median_ms * 1e3, t.min_ms * 1e3, gbs, pct, br.note);
    if (br.note[0] == '\0' && pct < worst_pct) {
      worst_pct = pct;
      worst = std::string(act::op_name(br.op)) + " " + act::dtype_name(br.dt);
    }
  }
  if (!worst.empty())
    std::printf("\nlowest %% of D2D over the 8x4096x8192 workloads: %.1f%% (%s); goal >= 90%%\n", worst_pct,
                worst.c_str());
  CHECK_CUDA(cudaStreamDestroy(s));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bool bench = false, tests = true, quiet = false;
  int reps = 30;
  std::string filter;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--bench") bench = true;
    else if (a == "--bench-only") bench = true, tests = false;
    else if (a == "--quiet") quiet = true;
    else if (a == "--reps" && i + 1 < argc) reps = std::max(20, std::atoi(argv[++i]));
    else if (a == "--filter" && i + 1 < argc) filter = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--bench | --bench-only] [--reps N>=20] [--filter OP] [--quiet]\n", argv[0]);
      return 2;
    }
  }
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
    std::printf("SKIP: no CUDA device\n");
    return 77;
  }
  cudaDeviceProp prop{};
  CHECK_CUDA(cudaGetDeviceProperties(&prop, 0));
  int rt = 0;
  CHECK_CUDA(cudaRuntimeGetVersion(&rt));
  std::printf("device 0: %s, sm_%d%d, %d SMs, CUDA runtime %d.%d\n", prop.name, prop.major, prop.minor,
              prop.multiProcessorCount, rt / 1000, (rt % 1000) / 10);

  int failed = 0, total = 0;
  if (tests) {
    std::mt19937 rng(12345);
    for (act::Op op : act::kAllOps) {
      if (!filter.empty() && std::string(act::op_name(op)).find(filter) == std::string::npos) continue;
      for (act::DType dt : act::kAllDTypes)
        for (const Case& c : cases()) {
          ++total;
          if (!run_case(op, dt, c, rng, quiet)) ++failed;
        }
    }
    // Argument validation.
    {
      ++total;
      act::LaunchPlan p;
      const bool ok = act::plan_launch(act::Op::Silu, act::DType::F16, nullptr, nullptr, 2, 4, &p) ==
                          cudaErrorInvalidValue &&
                      act::plan_launch(act::Op::SiluAndMul, act::DType::F16, reinterpret_cast<void*>(256),
                                       reinterpret_cast<void*>(1024), 2, 4, &p, 7, 4) == cudaErrorInvalidValue &&
                      act::plan_launch(act::Op::Silu, act::DType::F32, reinterpret_cast<void*>(258),
                                       reinterpret_cast<void*>(1024), 2, 4, &p) == cudaErrorInvalidValue &&
                      act::launch(act::Op::Gelu, act::DType::F32, nullptr, nullptr, 0, 16, nullptr) == cudaSuccess;
      std::printf("%s argument validation\n", ok ? "PASS" : "FAIL");
      if (!ok) ++failed;
    }
    std::printf("\n%d/%d cases passed\n", total - failed, total);
  }
  if (bench) run_bench(reps, filter);
  return failed ? 1 : 0;
}
