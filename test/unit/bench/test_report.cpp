#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bench/report.hpp"

using namespace kcpp::bench;

namespace {

Timing timing(double median_ms, std::uint64_t bytes, double copy_gbps) {
  Timing t;
  t.stats = summarize({median_ms * 0.99, median_ms, median_ms * 1.02});
  t.gbps = static_cast<double>(bytes) / (t.stats.median * 1e6);
  t.pct_of_copy = 100 * t.gbps / copy_gbps;
  return t;
}

Report sample() {
  Report r;
  r.kernel = KernelSummary{"org/act@v1",
                           "org/act",
                           "v1",
                           "0123456789abcdef0123456789abcdef01234567",
                           "torch211-cxx11-cu130-x86_64-linux",
                           "/cache/build/torch211-cxx11-cu130-x86_64-linux",
                           "_act_cuda_0a1b2c3",
                           "_act_cuda_0a1b2c3.abi3.so"};
  MachineSummary m;
  m.gpu = "NVIDIA H100 80GB HBM3";
  m.cc_major = 9;
  m.sm_count = 132;
  m.l2_bytes = 50ull << 20;
  m.memory_bytes = 80ull << 30;
  m.driver_version = 13000;
  m.runtime_version = 13000;
  m.torch_version = "2.11.0+cu130";
  m.torch_dir = "/opt/torch";
  m.copy_gbps = 3000;
  m.copy_bytes = 1ull << 30;
  r.machine = m;
  r.settings.seed = 42;

  CaseResult pass;
  pass.op = "silu_and_mul";
  pass.dtype = DType::f16;
  pass.workload = "large";
  pass.in_shape = {8, 4096, 8192};
  pass.out_shape = {8, 4096, 4096};
  pass.bytes = 8ull * 4096 * 12288 * 2;
  pass.buffer_sets = 2;
  pass.status = CaseStatus::pass;
  pass.verification = Verification{};
  pass.verification->elements = 8ull * 4096 * 4096 * 2;
  pass.verification->tol = tolerance_for(DType::f16);
  pass.kernel = timing(0.2, pass.bytes, 3000);
  pass.reference = timing(0.21, pass.bytes, 3000);
  r.cases.push_back(pass);

  CaseResult fail = pass;
  fail.op = "gelu_tanh_and_mul";
  fail.dtype = DType::f32;
  fail.status = CaseStatus::fail;
  fail.verification->tol = tolerance_for(DType::f32);
  fail.verification->mismatches = 1000;
  fail.verification->max_abs = 0.00591;
  fail.verification->max_rel = 0.001;
  fail.verification->first = Mismatch{3, 0, 3, 1.5, -2.0, -2.7, -2.697};
  r.cases.push_back(fail);

  CaseResult np;
  np.op = "gelu_fast";
  np.dtype = DType::bf16;
  np.workload = "decode";
  np.in_shape = np.out_shape = {1, 4096};
  np.bytes = 16384;
  np.status = CaseStatus::not_provided;
  np.message = "_act_cuda_0a1b2c3.abi3.so declares no op torch.ops._act_cuda_0a1b2c3.gelu_fast";
  r.cases.push_back(np);
  return r;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("report status counts and exit decision", "[bench]") {
  Report r = sample();
  auto n = r.counts();
  CHECK(n.pass == 1);
  CHECK(n.fail == 1);
  CHECK(n.not_provided == 1);
  CHECK_FALSE(r.ok());
  r.cases.erase(r.cases.begin() + 1);
  CHECK(r.ok());  // not provided is not a failure
  r.cases.erase(r.cases.begin());
  CHECK_FALSE(r.ok());  // but a kernel providing none of the ops is
  CHECK(r.cases[0].speedup() == std::nullopt);
  CHECK(sample().cases[0].speedup().value() == Approx(1.05));
}

TEST_CASE("table: header, one row per case, failure figures, not provided once, summary", "[bench]") {
  const auto out = lines(render_table(sample()));
  REQUIRE(out.size() >= 12);
  CHECK(out[0] == "Kernel   org/act@v1 (commit 0123456789ab), variant torch211-cxx11-cu130-x86_64-linux");
  CHECK(out[1] == "         torch.ops._act_cuda_0a1b2c3 from _act_cuda_0a1b2c3.abi3.so");
  CHECK(out[2] ==
        "GPU      NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, L2 50 MiB, 80.0 GiB), CUDA driver 13.0, runtime 13.0");
  CHECK(out[3] == "Torch    2.11.0+cu130 (/opt/torch)");
  CHECK(out[4] == "Copy     3000.0 GB/s (cudaMemcpyAsync device to device, 1024 MiB, read + write)");
  CHECK(out[5] == "Timing   10 warm-up + 100 timed calls per case, CUDA events, inputs uniform in [-6, 6), seed 42");
  CHECK(out[7].rfind("op ", 0) == 0);
  CHECK(out[7].find("kernel µs") != std::string::npos);
  CHECK(out[7].find("speedup") != std::string::npos);
  // silu_and_mul fp16 large: 0.2 ms = 200.0 µs, 1.05x.
  CHECK(out[9].rfind("silu_and_mul", 0) == 0);
  CHECK(out[9].find(" pass ") != std::string::npos);
  CHECK(out[9].find("200.0") != std::string::npos);
  CHECK(out[9].find("1.05x") != std::string::npos);
  CHECK(out[10].find(" FAIL ") != std::string::npos);
  CHECK(out[11].find("not provided") != std::string::npos);
  CHECK(out[13] ==
        "FAIL gelu_tanh_and_mul fp32 large: 1000 of 268435456 elements outside tolerance (rtol 1e-05, atol 1e-06), "
        "0 non-finite; max abs error 0.00591, max rel error 0.001; first at row 0, col 3: x=1.5, y=-2, got -2.7, "
        "expected -2.697");
  CHECK(out[14] ==
        "not provided gelu_fast: _act_cuda_0a1b2c3.abi3.so declares no op torch.ops._act_cuda_0a1b2c3.gelu_fast");
  CHECK(out[16] == "3 cases: 1 passed, 1 failed, 1 not provided");
  CHECK(out[17].rfind("Speedup of the kernel over the reference kernels: median ", 0) == 0);
}

TEST_CASE("JSON: kernel, machine, settings, results with timings and verification, summary", "[bench]") {
  const auto j = nlohmann::json::parse(render_json(sample()));
  CHECK(j["kernel"]["namespace"] == "_act_cuda_0a1b2c3");
  CHECK(j["kernel"]["commit"] == "0123456789abcdef0123456789abcdef01234567");
  CHECK(j["machine"]["compute_capability"] == "9.0");
  CHECK(j["machine"]["device_copy"]["gbps"] == 3000.0);
  CHECK(j["settings"]["tolerance"]["fp32"]["rtol"] == 1e-5);
  CHECK(j["settings"]["tolerance"]["bf16"]["atol"] == 1e-2);
  REQUIRE(j["results"].size() == 3);
  const auto& p = j["results"][0];
  CHECK(p["status"] == "pass");
  CHECK(p["kernel"]["median_ms"] == Approx(0.2));
  CHECK(p["kernel"]["ci95_low_ms"].is_number());
  CHECK(p["kernel"]["iqr_ms"].is_number());
  CHECK(p["kernel"]["gbps"].get<double>() == Approx(8.0 * 4096 * 12288 * 2 / 0.2e6));
  CHECK(p["reference"]["pct_of_copy"].is_number());
  CHECK(p["speedup_vs_reference"].get<double>() == Approx(1.05));
  CHECK(p["verification"]["first_mismatch"].is_null());
  const auto& f = j["results"][1];
  CHECK(f["status"] == "fail");
  CHECK(f["verification"]["mismatches"] == 1000);
  CHECK(f["verification"]["max_rel_error"] == 0.001);
  CHECK(f["verification"]["first_mismatch"]["col"] == 3);
  const auto& n = j["results"][2];
  CHECK(n["status"] == "not_provided");
  CHECK(n["kernel"].is_null());
  CHECK(n["message"].get<std::string>().find("declares no op") != std::string::npos);
  CHECK(j["summary"]["pass"] == 1);
  CHECK(j["summary"]["fail"] == 1);
  CHECK(j["summary"]["not_provided"] == 1);
  CHECK(j["summary"]["ok"] == false);
}
