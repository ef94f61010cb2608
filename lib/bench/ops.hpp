#pragma once
// The ops `kernels benchmark` validates: the 11 activation ops of kernels-community/activation,
// in the order of kcpp::activation::Op (cuda/activation/activation_cuda/activation_kernels.cuh;
// the CUDA part checks the names match at start-up), with what the benchmark needs to know to
// call them and to account for their memory traffic.
//
//   gated ops        input [..., 2d] -> out [..., d]   (x = input[..., :d], y = input[..., d:])
//   elementwise ops  input [..., d]  -> out [..., d]
// Called as torch.ops.<metadata id>.<name>(out, input) (fatrelu_and_mul: + float threshold).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bench/dtype.hpp"

namespace kcpp::bench {

struct OpInfo {
  std::string_view name;
  bool gated = false;      // reads 2d per output row of d
  bool threshold = false;  // takes `float threshold` after the tensors
};

inline constexpr int kNumOps = 11;
inline constexpr std::array<OpInfo, kNumOps> kOps = {{
    {"silu_and_mul", true, false},
    {"mul_and_silu", true, false},
    {"gelu_and_mul", true, false},
    {"gelu_tanh_and_mul", true, false},
    {"fatrelu_and_mul", true, true},
    {"gelu_new", false, false},
    {"gelu_fast", false, false},
    {"gelu_quick", false, false},
    {"gelu_tanh", false, false},
    {"silu", false, false},
    {"gelu", false, false},
}};

// The threshold passed to fatrelu_and_mul (the kernel's and the reference's).
inline constexpr float kFatreluThreshold = 0.5f;

// Index into kOps, or -1.
int op_index(std::string_view name);

// "silu_and_mul,gelu" → indices in kOps order of the list, duplicates dropped; "all" → every op.
// Throws kcpp::Error(usage) naming an unknown op and listing the known ones.
std::vector<int> parse_ops(std::string_view list);

// "fp16,bf16" → dtypes (aliases of parse_dtype), duplicates dropped; "all" → fp32, fp16, bf16.
std::vector<DType> parse_dtypes(std::string_view list);

// Bytes one call must read and write, each element once (the roofline of these ops):
// rows * (input row + output row) * element size.
std::uint64_t bytes_moved(const OpInfo& op, DType dt, std::int64_t rows, std::int64_t d);

// Splits "a,b,,c" at commas, trimming spaces; empty items dropped.
std::vector<std::string> split_list(std::string_view list);

}  // namespace kcpp::bench
