// lib/bench/device.hpp on the CUDA runtime (static cudart: libcuda.so.1 is opened on the first
// call, so the binary starts on machines without a driver). Reference launches go through
// cuda/activation/activation_cuda/activation_kernels.cuh, the same kernels `cuda/activation`
// builds for torch.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <climits>
#include <cstring>
#include <string>

#include "activation_kernels.cuh"
#include "bench/device.hpp"

namespace act = kcpp::activation;

namespace kcpp::bench::device {

static_assert(static_cast<int>(act::DType::F32) == static_cast<int>(DType::f32) &&
                  static_cast<int>(act::DType::F16) == static_cast<int>(DType::f16) &&
                  static_cast<int>(act::DType::BF16) == static_cast<int>(DType::bf16),
              "bench::DType must match kcpp::activation::DType");

namespace {

void check(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return;
  cudaGetLastError();  // clear a non-sticky error so the next call does not see it again
  throw CudaError(static_cast<int>(e), std::string(what) + ": " + cudaGetErrorName(e) + ": " + cudaGetErrorString(e));
}

cudaStream_t st(Stream s) { return static_cast<cudaStream_t>(s); }

constexpr int kThreads = 256;

unsigned blocks_for(std::uint64_t n) {
  const std::uint64_t b = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(b < 4096 ? (b > 0 ? b : 1) : 4096);  // grid-stride loops do the rest
}

// splitmix64's finaliser: a good 64-bit mix of a counter.
__device__ __forceinline__ std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

__device__ __forceinline__ void store(float* p, float v) { *p = v; }
__device__ __forceinline__ void store(__half* p, float v) { *p = __float2half_rn(v); }
__device__ __forceinline__ void store(__nv_bfloat16* p, float v) { *p = __float2bfloat16_rn(v); }

template <typename T>
__global__ void fill_kernel(T* p, std::uint64_t n, std::uint64_t seed, float lo, float span) {
  const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
  for (std::uint64_t i = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    const std::uint64_t h = mix64(seed ^ mix64(i));
    const float u = static_cast<float>(h >> 40) * (1.0f / 16777216.0f);  // [0, 1), 24 bits
    store(p + i, lo + span * u);
  }
}

__device__ __forceinline__ double to_d(float v) { return v; }
__device__ __forceinline__ double to_d(__half v) { return __half2float(v); }
__device__ __forceinline__ double to_d(__nv_bfloat16 v) { return __bfloat162float(v); }

struct Acc {
  unsigned long long mismatches, nonfinite, max_abs, max_rel, worst, first;  // doubles as bits
};

__device__ __forceinline__ unsigned long long bits(double v) {
  return static_cast<unsigned long long>(__double_as_longlong(v));
}

template <typename T>
__global__ void compare_kernel(const T* got, const T* want, std::uint64_t n, double rtol, double atol, Acc* acc) {
  unsigned long long mism = 0, nonf = 0, first = ULLONG_MAX;
  double mabs = 0, mrel = 0, worst = 0;
  const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
  for (std::uint64_t i = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    const double g = to_d(got[i]), w = to_d(want[i]);
    bool ok = false;
    if (isfinite(g) && isfinite(w)) {
      const double e = fabs(g - w), lim = atol + rtol * fabs(w);
      ok = e <= lim;
      mabs = fmax(mabs, e);
      if (fabs(w) >= atol) mrel = fmax(mrel, e / fabs(w));
      worst = fmax(worst, e / lim);
    } else if (isfinite(w)) {
      ++nonf;  // NaN (the poison: never written) or Inf where a finite value was expected
    }
    if (!ok) {
      ++mism;
      if (i < first) first = i;
    }
  }
  for (int off = 16; off > 0; off >>= 1) {
    mism += __shfl_down_sync(0xffffffffu, mism, off);
    nonf += __shfl_down_sync(0xffffffffu, nonf, off);
    first = min(first, __shfl_down_sync(0xffffffffu, first, off));
    mabs = fmax(mabs, __shfl_down_sync(0xffffffffu, mabs, off));
    mrel = fmax(mrel, __shfl_down_sync(0xffffffffu, mrel, off));
    worst = fmax(worst, __shfl_down_sync(0xffffffffu, worst, off));
  }
  if ((threadIdx.x & 31) == 0) {
    if (mism) atomicAdd(&acc->mismatches, mism);
    if (nonf) atomicAdd(&acc->nonfinite, nonf);
    if (first != ULLONG_MAX) atomicMin(&acc->first, first);
    // Non-negative doubles order like their bit patterns.
    atomicMax(&acc->max_abs, bits(mabs));
    atomicMax(&acc->max_rel, bits(mrel));
    atomicMax(&acc->worst, bits(worst));
  }
}

__global__ void spin_kernel(unsigned long long ns) {
  unsigned long long t0, t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
  do {
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  } while (t - t0 < ns);
}

double from_bits(unsigned long long b) {
  double d;
  std::memcpy(&d, &b, sizeof d);
  return d;
}

}  // namespace

bool compiled_with_cuda() { return true; }

DeviceInfo open_device(int index) {
  int count = 0;
  check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
  if (count == 0) throw CudaError(kErrNoDevice, "cudaGetDeviceCount: no CUDA device");
  if (index < 0 || index >= count)
    throw CudaError(kErrNoDevice, "device " + std::to_string(index) + " does not exist (" + std::to_string(count) +
                                      " device" + (count == 1 ? "" : "s") + ")");
  check(cudaSetDevice(index), "cudaSetDevice");
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, index), "cudaGetDeviceProperties");
  DeviceInfo info;
  info.index = index;
  info.name = prop.name;
  info.cc_major = prop.major;
  info.cc_minor = prop.minor;
  info.sm_count = prop.multiProcessorCount;
  info.l2_bytes = static_cast<std::uint64_t>(prop.l2CacheSize);
  info.total_bytes = static_cast<std::uint64_t>(prop.totalGlobalMem);
  check(cudaDriverGetVersion(&info.driver_version), "cudaDriverGetVersion");
  check(cudaRuntimeGetVersion(&info.runtime_version), "cudaRuntimeGetVersion");
  return info;
}

std::uint64_t free_memory() {
  size_t free_b = 0, total_b = 0;
  check(cudaMemGetInfo(&free_b, &total_b), "cudaMemGetInfo");
  return free_b;
}

std::vector<std::string> reference_op_names() {
  std::vector<std::string> out;
  for (act::Op op : act::kAllOps) out.emplace_back(act::op_name(op));
  return out;
}

Stream create_stream() {
  cudaStream_t s = nullptr;
  check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreate");
  return s;
}

void destroy_stream(Stream s) noexcept {
  if (s) cudaStreamDestroy(st(s));
}

void synchronize(Stream s) {
  check(cudaStreamSynchronize(st(s)), "cudaStreamSynchronize");
  check(cudaGetLastError(), "kernel launch");
}

Buffer::Buffer(std::uint64_t bytes) : bytes_(bytes) {
  if (bytes == 0) return;
  check(cudaMalloc(&ptr_, bytes), ("cudaMalloc(" + std::to_string(bytes) + " bytes)").c_str());
}
Buffer::~Buffer() {
  if (ptr_) cudaFree(ptr_);
}
Buffer::Buffer(Buffer&& o) noexcept : ptr_(o.ptr_), bytes_(o.bytes_) {
  o.ptr_ = nullptr;
  o.bytes_ = 0;
}
Buffer& Buffer::operator=(Buffer&& o) noexcept {
  if (this != &o) {
    if (ptr_) cudaFree(ptr_);
    ptr_ = o.ptr_;
    bytes_ = o.bytes_;
    o.ptr_ = nullptr;
    o.bytes_ = 0;
  }
  return *this;
}

void fill_uniform(void* p, DType dt, std::uint64_t n, std::uint64_t seed, float lo, float hi, Stream s) {
  if (n == 0) return;
  const float span = hi - lo;
  switch (dt) {
    case DType::f32:
      fill_kernel<<<blocks_for(n), kThreads, 0, st(s)>>>(static_cast<float*>(p), n, seed, lo, span);
      break;
    case DType::f16:
      fill_kernel<<<blocks_for(n), kThreads, 0, st(s)>>>(static_cast<__half*>(p), n, seed, lo, span);
      break;
    case DType::bf16:
      fill_kernel<<<blocks_for(n), kThreads, 0, st(s)>>>(static_cast<__nv_bfloat16*>(p), n, seed, lo, span);
      break;
  }
  check(cudaGetLastError(), "fill kernel");
}

void poison(void* p, std::uint64_t bytes, Stream s) { memset_async(p, 0xFF, bytes, s); }

void memset_async(void* p, int value, std::uint64_t bytes, Stream s) {
  check(cudaMemsetAsync(p, value, bytes, st(s)), "cudaMemsetAsync");
}

void copy_async(void* dst, const void* src, std::uint64_t bytes, Stream s) {
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, st(s)), "cudaMemcpyAsync");
}

void launch_reference(int op, DType dt, void* out, const void* in, std::int64_t rows, std::int64_t d, float threshold,
                      Stream s) {
  if (op < 0 || op >= act::kNumOps) throw CudaError(1, "launch_reference: bad op index");
  check(act::launch(static_cast<act::Op>(op), static_cast<act::DType>(dt), out, in, rows, d, st(s), threshold),
        "reference kernel launch");
}

CompareResult compare(DType dt, const void* got, const void* want, std::uint64_t n, double rtol, double atol,
                      Stream s) {
  CompareResult r;
  if (n == 0) return r;
  Acc init{0, 0, 0, 0, 0, ULLONG_MAX};
  Buffer acc(sizeof(Acc));
  check(cudaMemcpyAsync(acc.get(), &init, sizeof init, cudaMemcpyHostToDevice, st(s)), "cudaMemcpyAsync");
  auto* a = reinterpret_cast<Acc*>(acc.get());
  switch (dt) {
    case DType::f32:
      compare_kernel<<<blocks_for(n), kThreads, 0, st(s)>>>(static_cast<const float*>(got),
                                                            static_cast<const float*>(want), n, rtol, atol, a);
      break;
    case DType::f16:
      compare_kernel<<<blocks_for(n), kThreads, 0, st(s)>>>(static_cast<const __half*>(got),
                                                            static_cast<const __half*>(want), n, rtol, atol, a);
      break;
    case DType::bf16:
      compare_kernel<<<blocks_for(n), kThreads, 0, st(s)>>>(static_cast<const __nv_bfloat16*>(got),
                                                            static_cast<const __nv_bfloat16*>(want), n, rtol, atol, a);
      break;
  }
  check(cudaGetLastError(), "compare kernel");
  Acc out{};
  check(cudaMemcpyAsync(&out, acc.get(), sizeof out, cudaMemcpyDeviceToHost, st(s)), "cudaMemcpyAsync");
  synchronize(s);
  r.mismatches = out.mismatches;
  r.nonfinite = out.nonfinite;
  r.max_abs = from_bits(out.max_abs);
  r.max_rel = from_bits(out.max_rel);
  r.worst = from_bits(out.worst);
  r.first_index = out.first == ULLONG_MAX ? -1 : static_cast<std::int64_t>(out.first);
  return r;
}

double element(DType dt, const void* p, std::uint64_t i) {
  const std::size_t es = dtype_size(dt);
  unsigned char b[4] = {0, 0, 0, 0};
  check(cudaMemcpy(b, static_cast<const unsigned char*>(p) + i * es, es, cudaMemcpyDeviceToHost), "cudaMemcpy");
  if (dt == DType::f32) {
    float f;
    std::memcpy(&f, b, 4);
    return f;
  }
  std::uint16_t h;
  std::memcpy(&h, b, 2);
  if (dt == DType::bf16) {
    const std::uint32_t u = static_cast<std::uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  __half_raw r;
  r.x = h;
  return static_cast<double>(__half2float(__half(r)));
}

void spin(Stream s, double microseconds) {
  if (microseconds <= 0) return;
  spin_kernel<<<1, 1, 0, st(s)>>>(static_cast<unsigned long long>(microseconds * 1000.0));
  check(cudaGetLastError(), "spin kernel");
}

Events::Events(int n) : ev_(static_cast<std::size_t>(n), nullptr) {
  for (auto& e : ev_) {
    cudaEvent_t ev = nullptr;
    check(cudaEventCreate(&ev), "cudaEventCreate");
    e = ev;
  }
}
Events::~Events() {
  for (auto e : ev_)
    if (e) cudaEventDestroy(static_cast<cudaEvent_t>(e));
}
void Events::record(int i, Stream s) {
  check(cudaEventRecord(static_cast<cudaEvent_t>(ev_.at(static_cast<std::size_t>(i))), st(s)), "cudaEventRecord");
}
double Events::elapsed_ms(int a, int b) const {
  float ms = 0;
  check(cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(ev_.at(static_cast<std::size_t>(a))),
                             static_cast<cudaEvent_t>(ev_.at(static_cast<std::size_t>(b)))),
        "cudaEventElapsedTime");
  return ms;
}

}  // namespace kcpp::bench::device
