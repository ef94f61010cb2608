#include <torch/library.h>

#include "registration.h"
#include "torch_binding.h"

// Schemas of kernels-community/activation; the CUDA implementations are in
// activation_cuda/activation.cu (kernels: activation_cuda/activation_kernels.cuh).
TORCH_LIBRARY_EXPAND(TORCH_EXTENSION_NAME, ops) {
  // Gated activations: input [..., 2d] -> out [..., d].
  ops.def("silu_and_mul(Tensor! out, Tensor input) -> ()");
  ops.def("mul_and_silu(Tensor! out, Tensor input) -> ()");
  ops.def("gelu_and_mul(Tensor! out, Tensor input) -> ()");
  ops.def("gelu_tanh_and_mul(Tensor! out, Tensor input) -> ()");
  ops.def("fatrelu_and_mul(Tensor! out, Tensor input, float threshold) -> ()");
  // Elementwise activations: out has the shape of input.
  ops.def("gelu_new(Tensor! out, Tensor input) -> ()");
  ops.def("gelu_fast(Tensor! out, Tensor input) -> ()");
  ops.def("gelu_quick(Tensor! out, Tensor input) -> ()");
  ops.def("gelu_tanh(Tensor! out, Tensor input) -> ()");
  ops.def("silu(Tensor! out, Tensor input) -> ()");
  ops.def("gelu(Tensor! out, Tensor input) -> ()");

#if defined(CUDA_KERNEL)
  ops.impl("silu_and_mul", torch::kCUDA, &silu_and_mul);
  ops.impl("mul_and_silu", torch::kCUDA, &mul_and_silu);
  ops.impl("gelu_and_mul", torch::kCUDA, &gelu_and_mul);
  ops.impl("gelu_tanh_and_mul", torch::kCUDA, &gelu_tanh_and_mul);
  ops.impl("fatrelu_and_mul", torch::kCUDA, &fatrelu_and_mul);
  ops.impl("gelu_new", torch::kCUDA, &gelu_new);
  ops.impl("gelu_fast", torch::kCUDA, &gelu_fast);
  ops.impl("gelu_quick", torch::kCUDA, &gelu_quick);
  ops.impl("gelu_tanh", torch::kCUDA, &gelu_tanh);
  ops.impl("silu", torch::kCUDA, &silu);
  ops.impl("gelu", torch::kCUDA, &gelu);
#endif
}

REGISTER_EXTENSION(TORCH_EXTENSION_NAME)
