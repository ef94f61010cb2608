// Torch entry points of the activation ops: argument checks, device guard, current stream, and a
// launch of the kernels in activation_kernels.cuh (which need no torch).
#include <ATen/MemoryOverlap.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/all.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "activation_kernels.cuh"

namespace {

namespace act = kcpp::activation;

act::DType dtype_of(const at::Tensor &t, const char *name) {
  switch (t.scalar_type()) {
    case at::ScalarType::Float: return act::DType::F32;
    case at::ScalarType::Half: return act::DType::F16;
    case at::ScalarType::BFloat16: return act::DType::BF16;
    default: break;
  }
  TORCH_CHECK(false, name, ": unsupported dtype ", t.scalar_type(), " (expected float32, float16 or bfloat16)");
  return act::DType::F32;
}

bool last_dim_contiguous(const at::Tensor &t) { return t.dim() == 0 || t.size(-1) <= 1 || t.stride(-1) == 1; }

// Stride in elements between consecutive rows of `t` seen as [rows, t.size(-1)], or -1 when its
// leading dimensions do not collapse into one strided dimension.
int64_t row_stride(const at::Tensor &t) {
  const int64_t nd = t.dim();
  if (nd <= 1) return nd == 0 ? 1 : t.size(0);  // one row
  int64_t stride = -1, expect = 0;
  for (int64_t i = nd - 2; i >= 0; --i) {  // innermost leading dimension first
    if (t.size(i) == 1) continue;
    if (stride >= 0 && t.stride(i) != expect) return -1;
    if (stride < 0) stride = t.stride(i);
    expect = t.stride(i) * t.size(i);
  }
  return stride < 0 ? t.size(-1) : stride;  // all leading dimensions of size 1: one row
}

// Byte range [first, last) that a non-empty tensor's elements span.
std::pair<uintptr_t, uintptr_t> span(const at::Tensor &t) {
  int64_t extent = 1;
  for (int64_t i = 0; i < t.dim(); ++i) extent += (t.size(i) - 1) * t.stride(i);
  const auto first = reinterpret_cast<uintptr_t>(t.data_ptr());
  return {first, first + static_cast<uintptr_t>(extent) * t.element_size()};
}

void run(act::Op op, at::Tensor &out, const at::Tensor &input_arg, double threshold) {
  const char *name = act::op_name(op);
  TORCH_CHECK(input_arg.is_cuda(), name, ": input must be a CUDA tensor, got device ", input_arg.device());
  TORCH_CHECK(out.is_cuda(), name, ": out must be a CUDA tensor, got device ", out.device());
  TORCH_CHECK(out.device() == input_arg.device(), name, ": out and input must be on the same device, got ",
              out.device(), " and ", input_arg.device());
  TORCH_CHECK(out.scalar_type() == input_arg.scalar_type(), name, ": out and input must have the same dtype, got ",
              out.scalar_type(), " and ", input_arg.scalar_type());
  const act::DType dt = dtype_of(input_arg, name);

  const bool gated = act::is_gated(op);
  if (gated) {
    TORCH_CHECK(input_arg.dim() >= 1, name, ": input must have at least one dimension");
    TORCH_CHECK(input_arg.size(-1) % 2 == 0, name, ": the last dimension of input must be even (2 * d), got ",
                input_arg.size(-1));
    std::vector<int64_t> expected(input_arg.sizes().begin(), input_arg.sizes().end());
    expected.back() /= 2;
    TORCH_CHECK(out.sizes() == at::IntArrayRef(expected), name, ": out must have shape ", at::IntArrayRef(expected),
                " (input ", input_arg.sizes(), " with the last dimension halved), got ", out.sizes());
  } else {
    TORCH_CHECK(out.sizes() == input_arg.sizes(), name, ": out and input must have the same shape, got ", out.sizes(),
                " and ", input_arg.sizes());
  }
  if (input_arg.numel() == 0) return;

  TORCH_CHECK(last_dim_contiguous(input_arg), name,
              ": input must be contiguous in its last dimension (stride 1), got strides ", input_arg.strides());
  TORCH_CHECK(last_dim_contiguous(out), name, ": out must be contiguous in its last dimension (stride 1), got strides ",
              out.strides());
  at::assert_no_internal_overlap(out);
  // out may be input itself (elementwise ops, in place), else they must not share memory.
  const bool in_place = !gated && out.data_ptr() == input_arg.data_ptr() && out.strides() == input_arg.strides();
  if (!in_place) {
    const auto o = span(out), i = span(input_arg);
    TORCH_CHECK(o.second <= i.first || i.second <= o.first, name,
                ": out and input overlap in memory", gated ? "" : " (only out == input, in place, is supported)");
  }
  const int64_t out_rs = row_stride(out);
  TORCH_CHECK(out_rs >= 0, name, ": out must be viewable as [rows, ", out.size(-1),
              "] (leading dimensions collapsible into one), got strides ", out.strides());
  // Any other input layout with a unit last stride is copied once.
  at::Tensor input = input_arg;
  int64_t in_rs = row_stride(input);
  if (in_rs < 0) {
    input = input_arg.contiguous();
    in_rs = input.size(-1);
  }

  const int64_t width = input.dim() == 0 ? 1 : input.size(-1);
  const int64_t d = gated ? width / 2 : width;
  const int64_t rows = input.numel() / width;
  const c10::cuda::CUDAGuard device_guard(input.device());
  const cudaStream_t stream = at::cuda::getCurrentCUDAStream().stream();
  const cudaError_t err = act::launch(op, dt, out.data_ptr(), input.data_ptr(), rows, d, stream,
                                      static_cast<float>(threshold), in_rs, out_rs);
  TORCH_CHECK(err == cudaSuccess, name, ": kernel launch failed: ", cudaGetErrorString(err));
}

}  // namespace

void silu_and_mul(torch::Tensor &out, torch::Tensor const &input) { run(act::Op::SiluAndMul, out, input, 0.0); }
void mul_and_silu(torch::Tensor &out, torch::Tensor const &input) { run(act::Op::MulAndSilu, out, input, 0.0); }
void gelu_and_mul(torch::Tensor &out, torch::Tensor const &input) { run(act::Op::GeluAndMul, out, input, 0.0); }
void gelu_tanh_and_mul(torch::Tensor &out, torch::Tensor const &input) {
  run(act::Op::GeluTanhAndMul, out, input, 0.0);
}
void fatrelu_and_mul(torch::Tensor &out, torch::Tensor const &input, double threshold) {
  run(act::Op::FatreluAndMul, out, input, threshold);
}
void gelu_new(torch::Tensor &out, torch::Tensor const &input) { run(act::Op::GeluNew, out, input, 0.0); }
void gelu_fast(torch::Tensor &out, torch::Tensor const &input) { run(act::Op::GeluFast, out, input, 0.0); }
void gelu_quick(torch::Tensor &out, torch::Tensor const &input) { run(act::Op::GeluQuick, out, input, 0.0); }
void gelu_tanh(torch::Tensor &out, torch::Tensor const &input) { run(act::Op::GeluTanh, out, input, 0.0); }
void silu(torch::Tensor &out, torch::Tensor const &input) { run(act::Op::Silu, out, input, 0.0); }
void gelu(torch::Tensor &out, torch::Tensor const &input) { run(act::Op::Gelu, out, input, 0.0); }
