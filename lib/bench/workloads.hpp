#pragma once
// Benchmark workloads: tensor shapes for the op input. Upstream's activation benchmark
// (kernels.benchmarks.SiluAndMulBenchmark) uses small 8x1024x2048, medium 8x2048x4096 and
// large 8x4096x8192; we add two token-shaped ones from LLM inference: one decoded token
// (1x4096) and a prefill of 4096 tokens through a 2 x 14336 gated MLP (4096x28672).
//
// A gated op reads the whole shape and writes the last dimension halved (d = last / 2);
// an elementwise op writes the shape it reads. Every dimension but the last is flattened
// into rows.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bench/ops.hpp"

namespace kcpp::bench {

struct Workload {
  std::string name;                 // "large", or the shape for a custom one ("2x4096")
  std::vector<std::int64_t> shape;  // input shape of the gated ops; last dimension even
};

// small, medium, large, decode, prefill (in that order).
const std::vector<Workload>& default_workloads();

// "small,decode" and/or custom shapes "AxBx…" (each dimension >= 1, the last even);
// "all" = the defaults. Throws kcpp::Error(usage) naming the bad item.
std::vector<Workload> parse_workloads(std::string_view list);

// "8x4096x8192"
std::string shape_str(const std::vector<std::int64_t>& shape);

// One op on one workload in one dtype: the sizes the benchmark allocates and the bytes a
// call moves.
struct Problem {
  std::int64_t rows = 0;      // product of all but the last dimension
  std::int64_t d = 0;         // output elements per row
  std::int64_t in_width = 0;  // input elements per row (2d gated, d elementwise)
  std::vector<std::int64_t> in_shape, out_shape;
  std::uint64_t in_elems = 0, out_elems = 0;
  std::uint64_t in_bytes = 0, out_bytes = 0;
  std::uint64_t bytes = 0;  // bytes_moved: read + written
};

Problem problem_for(const OpInfo& op, DType dt, const Workload& w);

}  // namespace kcpp::bench
