#include <catch2/catch.hpp>

#include "bench/ops.hpp"
#include "bench/workloads.hpp"
#include "core/error.hpp"

using namespace kcpp::bench;

TEST_CASE("op list: order of the reference kernels, parsing, errors", "[bench]") {
  CHECK(kOps[0].name == "silu_and_mul");
  CHECK(kOps[4].name == "fatrelu_and_mul");
  CHECK(kOps[4].threshold);
  CHECK(kOps[10].name == "gelu");
  CHECK_FALSE(kOps[10].gated);
  CHECK(op_index("gelu_tanh") == 8);
  CHECK(op_index("relu") == -1);
  CHECK(parse_ops("all").size() == 11);
  CHECK(parse_ops("gelu, silu_and_mul,gelu") == std::vector<int>{10, 0});
  try {
    parse_ops("silu,relu");
    FAIL("no error");
  } catch (const kcpp::Error& e) {
    CHECK(e.kind() == kcpp::ErrorKind::usage);
    CHECK(std::string(e.what()) == "--ops: unknown op 'relu'");
    REQUIRE(e.hints().size() == 1);
    CHECK(e.hints()[0].find("silu_and_mul") != std::string::npos);
  }
  CHECK_THROWS_AS(parse_ops(" , "), kcpp::Error);
}

TEST_CASE("dtypes: names and torch's aliases", "[bench]") {
  CHECK(parse_dtypes("fp16,bf16,fp32") == std::vector<DType>{DType::f16, DType::bf16, DType::f32});
  CHECK(parse_dtypes("half,bfloat16,float,float16") == std::vector<DType>{DType::f16, DType::bf16, DType::f32});
  CHECK(parse_dtypes("all").size() == 3);
  CHECK_THROWS_WITH(parse_dtypes("fp64"), "--dtypes: unknown dtype 'fp64'");
  CHECK(dtype_name(DType::bf16) == "bf16");
  CHECK(dtype_size(DType::f32) == 4);
  CHECK(dtype_size(DType::bf16) == 2);
}

TEST_CASE("bytes accounting: each element read and written once", "[bench]") {
  // silu_and_mul on 8x4096x8192 fp16: reads 8*4096*8192, writes half of that, 2 bytes each.
  CHECK(bytes_moved(kOps[0], DType::f16, 8 * 4096, 4096) == 8ull * 4096 * (8192 + 4096) * 2);
  // gelu (elementwise) on 1x4096 fp32: 4096 in + 4096 out, 4 bytes each.
  CHECK(bytes_moved(kOps[10], DType::f32, 1, 4096) == 2ull * 4096 * 4);
}

TEST_CASE("workloads: upstream's three, two token-shaped, custom shapes", "[bench]") {
  const auto& w = default_workloads();
  REQUIRE(w.size() == 5);
  CHECK(w[0].name == "small");
  CHECK(w[0].shape == std::vector<std::int64_t>{8, 1024, 2048});
  CHECK(w[1].shape == std::vector<std::int64_t>{8, 2048, 4096});
  CHECK(w[2].shape == std::vector<std::int64_t>{8, 4096, 8192});
  CHECK(w[3].shape == std::vector<std::int64_t>{1, 4096});
  CHECK(w[4].shape == std::vector<std::int64_t>{4096, 28672});

  auto picked = parse_workloads("decode,2x6,large,decode");
  REQUIRE(picked.size() == 3);
  CHECK(picked[1].name == "2x6");
  CHECK(picked[1].shape == std::vector<std::int64_t>{2, 6});
  CHECK(parse_workloads("all").size() == 5);
  CHECK_THROWS_WITH(parse_workloads("huge"), "--workloads: unknown workload 'huge'");
  CHECK_THROWS_WITH(parse_workloads("2x7"),
                    "--workloads: bad shape '2x7': the last dimension (7) must be even: gated ops read 2d and write d");
  CHECK_THROWS_WITH(parse_workloads("2x0x4"),
                    "--workloads: bad shape '2x0x4': '0' is not a dimension (a positive integer)");
  CHECK_THROWS_WITH(parse_workloads("2xx4"),
                    "--workloads: bad shape '2xx4': '' is not a dimension (a positive integer)");
}

TEST_CASE("problem shapes: gated ops halve the last dimension", "[bench]") {
  const Workload large{"large", {8, 4096, 8192}};
  const Problem g = problem_for(kOps[0], DType::bf16, large);
  CHECK(g.rows == 8 * 4096);
  CHECK(g.d == 4096);
  CHECK(g.in_width == 8192);
  CHECK(g.out_shape == std::vector<std::int64_t>{8, 4096, 4096});
  CHECK(g.in_bytes == 8ull * 4096 * 8192 * 2);
  CHECK(g.out_bytes == 8ull * 4096 * 4096 * 2);
  CHECK(g.bytes == g.in_bytes + g.out_bytes);
  const Problem e = problem_for(kOps[9], DType::f32, {"decode", {1, 4096}});
  CHECK(e.rows == 1);
  CHECK(e.d == 4096);
  CHECK(e.out_shape == std::vector<std::int64_t>{1, 4096});
  CHECK(e.bytes == 2ull * 4096 * 4);
  CHECK(shape_str({4096, 28672}) == "4096x28672");
}
