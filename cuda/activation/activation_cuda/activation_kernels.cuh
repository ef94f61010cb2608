// Activation kernels (kernels-community/activation / vLLM semantics), usable without torch.
//
// This header is the device code of the `activation` kernel project (wrapped for torch by
// activation.cu) and the reference kernels of the native benchmark. It needs only the CUDA
// runtime: include it from a .cu file compiled by nvcc (C++17).
//
//   gated ops    input [rows, 2d] -> out [rows, d];  x = input[:, :d], y = input[:, d:]
//     silu_and_mul       silu(x) * y
//     mul_and_silu       x * silu(y)
//     gelu_and_mul       gelu_erf(x) * y
//     gelu_tanh_and_mul  gelu_tanh(x) * y
//     fatrelu_and_mul    (x > threshold ? x : 0) * y
//   elementwise  input [rows, d] -> out [rows, d]
//     gelu_new, gelu_fast, gelu_quick, gelu_tanh, silu, gelu (erf)
//
// fp32 / fp16 / bf16 storage, fp32 math, one rounding to the storage type at the end.
// Rows may be strided (leading stride in elements); the last dimension is contiguous.
//
// Memory path: 16-byte vector loads (ld.global.nc) and streaming stores (st.global.cs) whenever
// the input and output rows share their alignment modulo 16 bytes (gated ops: also d a multiple
// of the vector width); a misaligned head and a short tail are done element-wise. Otherwise an
// element-wise fallback (16 elements per thread in flight). A packed elementwise problem is one
// long row. Grid: 256-thread blocks, x over the vectors of a row, y over the rows (<= 65535),
// both grid-stride loops. On an H100 every op reaches 98-101% of cudaMemcpyAsync D2D bandwidth
// on 8x4096x8192 fp16/bf16/fp32 (cuda/tests/activation_selftest --bench).
//
// Usage:
//   namespace act = kcpp::activation;
//   cudaError_t e = act::launch(act::Op::SiluAndMul, act::DType::F16, out, in, rows, d, stream);
//   // or typed: act::launch(act::Op::Gelu, out_half_ptr, in_half_ptr, rows, d, stream);
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace kcpp {
namespace activation {

enum class DType : int { F32 = 0, F16 = 1, BF16 = 2 };

enum class Op : int {
  SiluAndMul = 0,
  MulAndSilu,
  GeluAndMul,
  GeluTanhAndMul,
  FatreluAndMul,
  GeluNew,
  GeluFast,
  GeluQuick,
  GeluTanh,
  Silu,
  Gelu,
};

constexpr int kNumOps = 11;
constexpr Op kAllOps[kNumOps] = {Op::SiluAndMul, Op::MulAndSilu, Op::GeluAndMul, Op::GeluTanhAndMul,
                                 Op::FatreluAndMul, Op::GeluNew, Op::GeluFast, Op::GeluQuick,
                                 Op::GeluTanh, Op::Silu, Op::Gelu};
constexpr DType kAllDTypes[3] = {DType::F32, DType::F16, DType::BF16};

// True for the `*_and_mul` ops (input row of 2d, output row of d).
__host__ __device__ constexpr bool is_gated(Op op) {
  return op == Op::SiluAndMul || op == Op::MulAndSilu || op == Op::GeluAndMul ||
         op == Op::GeluTanhAndMul || op == Op::FatreluAndMul;
}

// The op's name in the torch schema (`silu_and_mul`, ...).
inline const char* op_name(Op op) {
  switch (op) {
    case Op::SiluAndMul: return "silu_and_mul";
    case Op::MulAndSilu: return "mul_and_silu";
    case Op::GeluAndMul: return "gelu_and_mul";
    case Op::GeluTanhAndMul: return "gelu_tanh_and_mul";
    case Op::FatreluAndMul: return "fatrelu_and_mul";
    case Op::GeluNew: return "gelu_new";
    case Op::GeluFast: return "gelu_fast";
    case Op::GeluQuick: return "gelu_quick";
    case Op::GeluTanh: return "gelu_tanh";
    case Op::Silu: return "silu";
    case Op::Gelu: return "gelu";
  }
  return "?";
}

inline const char* dtype_name(DType dt) {
  switch (dt) {
    case DType::F32: return "fp32";
    case DType::F16: return "fp16";
    case DType::BF16: return "bf16";
  }
  return "?";
}

constexpr std::size_t dtype_size(DType dt) { return dt == DType::F32 ? 4 : 2; }

// Elements of an input row for an output row of d elements.
constexpr int64_t input_width(Op op, int64_t d) { return is_gated(op) ? 2 * d : d; }

// Bytes one launch must read and write (each element once): the roofline of these kernels.
constexpr uint64_t bytes_moved(Op op, DType dt, int64_t rows, int64_t d) {
  return static_cast<uint64_t>(rows) * static_cast<uint64_t>(input_width(op, d) + d) * dtype_size(dt);
}

// Double-precision reference of one output element (x, y: the input pair; y unused by the
// elementwise ops). Host only; what the self-test and the benchmark verify against.
inline double reference(Op op, double x, double y, double threshold = 0.0) {
  const double kSqrt2OverPi = 0.79788456080286535588;  // sqrt(2/pi)
  auto silu = [](double v) { return v / (1.0 + std::exp(-v)); };
  auto gelu_erf = [](double v) { return 0.5 * v * (1.0 + std::erf(v * 0.70710678118654752440)); };
  auto gelu_tanh = [&](double v) { return 0.5 * v * (1.0 + std::tanh(kSqrt2OverPi * (v + 0.044715 * v * v * v))); };
  switch (op) {
    case Op::SiluAndMul: return silu(x) * y;
    case Op::MulAndSilu: return x * silu(y);
    case Op::GeluAndMul: return gelu_erf(x) * y;
    case Op::GeluTanhAndMul: return gelu_tanh(x) * y;
    case Op::FatreluAndMul: return (x > threshold ? x : 0.0) * y;
    case Op::GeluNew: return gelu_tanh(x);
    case Op::GeluFast: return 0.5 * x * (1.0 + std::tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)));
    case Op::GeluQuick: return x / (1.0 + std::exp(-1.702 * x));
    case Op::GeluTanh: return gelu_tanh(x);
    case Op::Silu: return silu(x);
    case Op::Gelu: return gelu_erf(x);
  }
  return 0.0;
}

// What a launch does; filled by plan_launch().
struct LaunchPlan {
  bool vectorized = false;  // 16-byte path (else element-wise)
  int vec = 1;              // elements per vector access
  int head = 0;             // leading elements per row done element-wise (reach 16-byte alignment)
  int tail = 0;             // trailing elements per row done element-wise
  int64_t nvec = 0;         // vectors per row
  int64_t rows = 0;         // rows after collapsing a contiguous elementwise problem into one
  int64_t d = 0;            // output elements per row (after collapsing)
  int64_t in_stride = 0;    // input row stride, elements
  int64_t out_stride = 0;   // output row stride, elements
  dim3 grid{1, 1, 1};
  dim3 block{1, 1, 1};
};

constexpr int kThreads = 256;

// Work per thread and loop iteration (tuned on H100: more vectors per thread only lowered the
// 16-byte path; the element-wise path needs many loads in flight).
#ifndef KCPP_ACTIVATION_UNROLL
#define KCPP_ACTIVATION_UNROLL 1
#endif
#ifndef KCPP_ACTIVATION_SCALAR_UNROLL
#define KCPP_ACTIVATION_SCALAR_UNROLL 16
#endif
constexpr int kVecUnroll = KCPP_ACTIVATION_UNROLL;            // 16-byte vectors
constexpr int kScalarUnroll = KCPP_ACTIVATION_SCALAR_UNROLL;  // elements, fallback path

namespace detail {

// ---------------------------------------------------------------------------------------------
// Scalar math, fp32.
// x * sigmoid(z) with a fast divide (2 ulp); exact limits: 0 for z -> -inf, x for z -> +inf.
__device__ __forceinline__ float mul_sigmoid(float x, float z) { return __fdividef(x, 1.0f + expf(-z)); }
__device__ __forceinline__ float silu_f(float x) { return mul_sigmoid(x, x); }
// gelu(x) = x * Phi(x), Phi(x) = erfc(-x / sqrt2) / 2. erfc(z), z >= 0, as t exp(-z^2 + P(t)),
// t = 1 / (1 + z/2): the Chebyshev fit of Numerical Recipes (erfcc), relative error < 1.2e-7 for
// every z. Branch-free (erff branches on |x|), no 1 + erf(x) cancellation for x < 0, and cheap
// (this op is the one closest to being compute-bound in fp16/bf16): P is pre-scaled by log2(e) so
// that the exponential is one MUFU.EX2, and 1/(1 + z/2) one MUFU.RCP (both ~1-2 ulp; results below
// FLT_MIN flush to zero).
__device__ __forceinline__ float ex2_approx_ftz(float v) {
  float r;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(v));
  return r;
}
__device__ __forceinline__ float rcp_approx_ftz(float v) {
  float r;
  asm("rcp.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(v));
  return r;
}
__device__ __forceinline__ float gelu_erf_f(float x) {
  const float t = rcp_approx_ftz(fmaf(fabsf(x), 0.353553390593f, 1.0f));  // 1 / (1 + |x| / (2 sqrt2))
  float p = 2.465172979e-01f;  // coefficients of erfcc times log2(e)
  p = fmaf(p, t, -1.186114945e+00f);
  p = fmaf(p, t, 2.147474464e+00f);
  p = fmaf(p, t, -1.637753152e+00f);
  p = fmaf(p, t, 4.023215817e-01f);
  p = fmaf(p, t, -2.687568603e-01f);
  p = fmaf(p, t, 1.396300565e-01f);
  p = fmaf(p, t, 5.397006155e-01f);
  p = fmaf(p, t, 1.442729204e+00f);
  p = fmaf(p, t, -1.825748218e+00f);
  // -z^2 log2(e) = -x^2 log2(e) / 2
  const float half_erfc = 0.5f * t * ex2_approx_ftz(fmaf(x * -0.7213475204f, x, p));  // Phi(-|x|)
  return x * (x < 0.0f ? half_erfc : 1.0f - half_erfc);
}

// 0.5 x (1 + tanh(u)) == x * sigmoid(2u): no cancellation for x < 0, no tanhf.
__device__ __forceinline__ float gelu_tanh_f(float x) {
  const float kBeta2 = 2.0f * 0.79788456080286535588f;  // 2 sqrt(2/pi)
  const float kKappa = 0.044715f;
  return mul_sigmoid(x, kBeta2 * (x + kKappa * x * x * x));
}
__device__ __forceinline__ float gelu_fast_f(float x) {
  return mul_sigmoid(x, 2.0f * 0.7978845608f * x * (1.0f + 0.044715f * x * x));
}
__device__ __forceinline__ float gelu_quick_f(float x) { return mul_sigmoid(x, 1.702f * x); }

template <Op OP>
__device__ __forceinline__ float apply(float x, float y, float threshold) {
  if constexpr (OP == Op::SiluAndMul) return silu_f(x) * y;
  else if constexpr (OP == Op::MulAndSilu) return x * silu_f(y);
  else if constexpr (OP == Op::GeluAndMul) return gelu_erf_f(x) * y;
  else if constexpr (OP == Op::GeluTanhAndMul) return gelu_tanh_f(x) * y;
  else if constexpr (OP == Op::FatreluAndMul) return (x > threshold ? x : 0.0f) * y;
  else if constexpr (OP == Op::GeluNew) return gelu_tanh_f(x);
  else if constexpr (OP == Op::GeluFast) return gelu_fast_f(x);
  else if constexpr (OP == Op::GeluQuick) return gelu_quick_f(x);
  else if constexpr (OP == Op::GeluTanh) return gelu_tanh_f(x);
  else if constexpr (OP == Op::Silu) return silu_f(x);
  else return gelu_erf_f(x);  // Op::Gelu
}

// ---------------------------------------------------------------------------------------------
// Storage types. Only conversion intrinsics are used, so the code builds with torch's
// -D__CUDA_NO_HALF_OPERATORS__ / __CUDA_NO_HALF_CONVERSIONS__ / __CUDA_NO_BFLOAT16_CONVERSIONS__.
__device__ __forceinline__ float to_f(float v) { return v; }
__device__ __forceinline__ float to_f(__half v) { return __half2float(v); }
__device__ __forceinline__ float to_f(__nv_bfloat16 v) { return __bfloat162float(v); }

template <typename T> __device__ __forceinline__ T from_f(float v);
template <> __device__ __forceinline__ float from_f<float>(float v) { return v; }
template <> __device__ __forceinline__ __half from_f<__half>(float v) { return __float2half_rn(v); }
template <> __device__ __forceinline__ __nv_bfloat16 from_f<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

template <typename T, int N>
struct alignas(sizeof(T) * N) Vec {
  T v[N];
};

// Raw integer type of an access of B bytes.
template <int B> struct Raw;
template <> struct Raw<16> { using type = uint4; };
template <> struct Raw<8> { using type = uint2; };
template <> struct Raw<4> { using type = unsigned int; };
template <> struct Raw<2> { using type = unsigned short; };

// Read-only input: non-coherent (texture-path) load, streaming output store.
template <typename T, int N>
__device__ __forceinline__ Vec<T, N> load(const T* p) {
  using R = typename Raw<sizeof(T) * N>::type;
  const R raw = __ldg(reinterpret_cast<const R*>(p));
  Vec<T, N> out;
  memcpy(&out, &raw, sizeof(R));
  return out;
}

template <typename T, int N>
__device__ __forceinline__ void store(T* p, const Vec<T, N>& v) {
  using R = typename Raw<sizeof(T) * N>::type;
  R raw;
  memcpy(&raw, &v, sizeof(R));
  __stcs(reinterpret_cast<R*>(p), raw);
}

// One output element j of a row (the element-wise path, and the head/tail of the vector path).
template <typename T, Op OP>
__device__ __forceinline__ void one(T* __restrict__ o, const T* __restrict__ x, int64_t d, int64_t j, float threshold) {
  const float xf = to_f(x[j]);
  const float yf = is_gated(OP) ? to_f(x[d + j]) : 0.0f;
  o[j] = from_f<T>(apply<OP>(xf, yf, threshold));
}

// rows x d outputs. Per row: `head` elements, `nvec` vectors of V elements, `tail` elements.
// blockIdx.x/threadIdx.x stride over the vectors of a row, blockIdx.y over rows.
template <typename T, Op OP, int V, int kUnroll>
__global__ void __launch_bounds__(kThreads)
act_kernel(T* __restrict__ out, const T* __restrict__ in, int64_t rows, int64_t d, int64_t in_stride,
           int64_t out_stride, int head, int64_t nvec, int tail, float threshold) {
  constexpr bool kGated = is_gated(OP);
  const int64_t c0 = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t cstep = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const bool edge = blockIdx.x == 0 && static_cast<int>(threadIdx.x) < head + tail;
  const int64_t edge_j = static_cast<int>(threadIdx.x) < head ? static_cast<int64_t>(threadIdx.x)
                                                              : head + nvec * V + (threadIdx.x - head);
  for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) {
    const T* __restrict__ x = in + r * in_stride;
    T* __restrict__ o = out + r * out_stride;
    const T* __restrict__ xv = x + head;
    T* __restrict__ ov = o + head;
    for (int64_t c = c0; c < nvec; c += cstep * kUnroll) {
      Vec<T, V> a[kUnroll], b[kUnroll];
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        const int64_t cu = c + u * cstep;
        if (u == 0 || cu < nvec) {
          a[u] = load<T, V>(xv + cu * V);
          if constexpr (kGated) b[u] = load<T, V>(xv + d + cu * V);
        }
      }
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        const int64_t cu = c + u * cstep;
        if (u == 0 || cu < nvec) {
          Vec<T, V> res;
#pragma unroll
          for (int i = 0; i < V; ++i) {
            const float yf = kGated ? to_f(b[u].v[i]) : 0.0f;
            res.v[i] = from_f<T>(apply<OP>(to_f(a[u].v[i]), yf, threshold));
          }
          store<T, V>(ov + cu * V, res);
        }
      }
    }
    if (edge) one<T, OP>(o, x, d, edge_j, threshold);
  }
}

template <typename T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::F32; };
template <> struct DTypeOf<__half> { static constexpr DType value = DType::F16; };
template <> struct DTypeOf<__nv_bfloat16> { static constexpr DType value = DType::BF16; };

template <typename T, Op OP>
inline cudaError_t launch_typed(const LaunchPlan& p, void* out, const void* in, float threshold, cudaStream_t stream) {
  T* o = static_cast<T*>(out);
  const T* i = static_cast<const T*>(in);
  constexpr int kVec = static_cast<int>(16 / sizeof(T));
  if (p.vectorized)
    act_kernel<T, OP, kVec, kVecUnroll><<<p.grid, p.block, 0, stream>>>(o, i, p.rows, p.d, p.in_stride,
                                                                         p.out_stride, p.head, p.nvec, p.tail, threshold);
  else
    act_kernel<T, OP, 1, kScalarUnroll><<<p.grid, p.block, 0, stream>>>(o, i, p.rows, p.d, p.in_stride, p.out_stride,
                                                                         0, p.d, 0, threshold);
  return cudaGetLastError();
}

template <typename T>
inline cudaError_t dispatch_op(Op op, const LaunchPlan& p, void* out, const void* in, float thr, cudaStream_t s) {
  switch (op) {
    case Op::SiluAndMul: return launch_typed<T, Op::SiluAndMul>(p, out, in, thr, s);
    case Op::MulAndSilu: return launch_typed<T, Op::MulAndSilu>(p, out, in, thr, s);
    case Op::GeluAndMul: return launch_typed<T, Op::GeluAndMul>(p, out, in, thr, s);
    case Op::GeluTanhAndMul: return launch_typed<T, Op::GeluTanhAndMul>(p, out, in, thr, s);
    case Op::FatreluAndMul: return launch_typed<T, Op::FatreluAndMul>(p, out, in, thr, s);
    case Op::GeluNew: return launch_typed<T, Op::GeluNew>(p, out, in, thr, s);
    case Op::GeluFast: return launch_typed<T, Op::GeluFast>(p, out, in, thr, s);
    case Op::GeluQuick: return launch_typed<T, Op::GeluQuick>(p, out, in, thr, s);
    case Op::GeluTanh: return launch_typed<T, Op::GeluTanh>(p, out, in, thr, s);
    case Op::Silu: return launch_typed<T, Op::Silu>(p, out, in, thr, s);
    case Op::Gelu: return launch_typed<T, Op::Gelu>(p, out, in, thr, s);
  }
  return cudaErrorInvalidValue;
}

}  // namespace detail

// Decides the path and the grid of a launch (host only, no CUDA call). d = output elements per
// row; strides in elements, -1 = packed (input_width(op, d) and d). Returns cudaErrorInvalidValue
// for a bad problem (negative sizes, null pointers with work to do, rows overlapping, pointers
// not aligned to the element size).
inline cudaError_t plan_launch(Op op, DType dt, const void* out, const void* in, int64_t rows, int64_t d,
                               LaunchPlan* plan, int64_t in_row_stride = -1, int64_t out_row_stride = -1) {
  if (plan == nullptr || rows < 0 || d < 0) return cudaErrorInvalidValue;
  const int64_t width = input_width(op, d);
  if (in_row_stride < 0) in_row_stride = width;
  if (out_row_stride < 0) out_row_stride = d;
  LaunchPlan p;
  p.rows = rows;
  p.d = d;
  p.in_stride = in_row_stride;
  p.out_stride = out_row_stride;
  p.block = dim3(kThreads, 1, 1);
  if (rows == 0 || d == 0) {  // nothing to do
    p.rows = 0;
    *plan = p;
    return cudaSuccess;
  }
  if (out == nullptr || in == nullptr) return cudaErrorInvalidValue;
  if (rows > 1 && (in_row_stride < width || out_row_stride < d)) return cudaErrorInvalidValue;
  const auto es = static_cast<uintptr_t>(dtype_size(dt));
  const auto ia = reinterpret_cast<uintptr_t>(in), oa = reinterpret_cast<uintptr_t>(out);
  if (ia % es != 0 || oa % es != 0) return cudaErrorInvalidValue;

  // A packed elementwise problem is one long row: more vectors, one head and tail in all.
  if (!is_gated(op) && (rows == 1 || (in_row_stride == d && out_row_stride == d))) {
    p.d = rows * d;
    p.rows = 1;
    p.in_stride = p.out_stride = p.d;
  }
  const int vec = static_cast<int>(16 / es);
  const bool same_phase = ia % 16 == oa % 16;
  const bool strides_ok = p.rows == 1 || (p.in_stride % vec == 0 && p.out_stride % vec == 0);
  const bool gate_ok = !is_gated(op) || p.d % vec == 0;  // y = x + d keeps x's alignment
  if (same_phase && strides_ok && gate_ok) {
    p.vectorized = true;
    p.vec = vec;
    const int64_t head = static_cast<int64_t>(((16 - ia % 16) % 16) / es);
    p.head = static_cast<int>(head < p.d ? head : p.d);
    p.nvec = (p.d - p.head) / vec;
    p.tail = static_cast<int>(p.d - p.head - p.nvec * vec);
  } else {
    p.vectorized = false;
    p.vec = 1;
    p.head = p.tail = 0;
    p.nvec = p.d;
  }
  const int64_t per_row = p.nvec > 0 ? p.nvec : 1;
  const int64_t per_thread = kThreads * (p.vectorized ? kVecUnroll : kScalarUnroll);
  int64_t gx = (per_row + per_thread - 1) / per_thread;
  int64_t gy = p.rows;
  // One pass over the problem: grid-stride loops take over beyond the grid limits.
  if (gx > 0x7fffffffLL) gx = 0x7fffffffLL;
  if (gy > 65535) gy = 65535;
  p.grid = dim3(static_cast<unsigned>(gx), static_cast<unsigned>(gy), 1);
  *plan = p;
  return cudaSuccess;
}

// Runs `op` on `stream`: out[r, j] = f(in[r, j]) (elementwise) or f(in[r, j], in[r, d + j]) (gated),
// r < rows, j < d. Pointers are device pointers to `dt` elements; strides in elements (-1 =
// packed). `threshold` is used by fatrelu_and_mul only. In-place (out == in) is allowed for the
// elementwise ops. Returns the launch error, if any (asynchronous errors surface later).
inline cudaError_t launch(Op op, DType dt, void* out, const void* in, int64_t rows, int64_t d, cudaStream_t stream,
                          float threshold = 0.0f, int64_t in_row_stride = -1, int64_t out_row_stride = -1) {
  LaunchPlan p;
  const cudaError_t e = plan_launch(op, dt, out, in, rows, d, &p, in_row_stride, out_row_stride);
  if (e != cudaSuccess) return e;
  if (p.rows == 0) return cudaSuccess;
  switch (dt) {
    case DType::F32: return detail::dispatch_op<float>(op, p, out, in, threshold, stream);
    case DType::F16: return detail::dispatch_op<__half>(op, p, out, in, threshold, stream);
    case DType::BF16: return detail::dispatch_op<__nv_bfloat16>(op, p, out, in, threshold, stream);
  }
  return cudaErrorInvalidValue;
}

// Typed convenience: T = float, __half or __nv_bfloat16.
template <typename T>
inline cudaError_t launch(Op op, T* out, const T* in, int64_t rows, int64_t d, cudaStream_t stream,
                          float threshold = 0.0f, int64_t in_row_stride = -1, int64_t out_row_stride = -1) {
  return launch(op, detail::DTypeOf<T>::value, static_cast<void*>(out), static_cast<const void*>(in), rows, d, stream,
                threshold, in_row_stride, out_row_stride);
}

}  // namespace activation
}  // namespace kcpp
