#pragma once
// Storage types the benchmark validates. The values equal kcpp::activation::DType's
// (cuda/activation/activation_cuda/activation_kernels.cuh), so the CUDA part passes them on
// unchanged. C++17 and free of CUDA headers: included by the nvcc-compiled part too.
#include <cstddef>
#include <optional>
#include <string_view>

namespace kcpp::bench {

enum class DType : int { f32 = 0, f16 = 1, bf16 = 2 };

inline constexpr DType kAllDTypes[3] = {DType::f32, DType::f16, DType::bf16};

// "fp32", "fp16", "bf16": the names on the command line, in the table and in JSON.
constexpr std::string_view dtype_name(DType dt) {
  return dt == DType::f32 ? "fp32" : dt == DType::f16 ? "fp16" : "bf16";
}

constexpr std::size_t dtype_size(DType dt) { return dt == DType::f32 ? 4 : 2; }

// fp32|float32|float, fp16|float16|half, bf16|bfloat16 (case-sensitive, as torch spells them).
std::optional<DType> parse_dtype(std::string_view text);

}  // namespace kcpp::bench
