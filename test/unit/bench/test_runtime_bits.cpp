#include <catch2/catch.hpp>
#include <cstring>

#include "bench/runner.hpp"
#include "bench/stderr_capture.hpp"
#include "bench/torch_runtime.hpp"

using namespace kcpp::bench;

TEST_CASE("StableIValue encodings of torch 2.10+: double bits, tensor handle pointers", "[bench]") {
  const StableIValue v = stable_from_double(0.5);
  double back;
  std::memcpy(&back, &v, sizeof back);
  CHECK(back == 0.5);
  CHECK(v == 0x3FE0000000000000ULL);
  auto* h = reinterpret_cast<AtenTensorHandle>(static_cast<std::uintptr_t>(0x1234560));
  CHECK(stable_from_handle(h) == 0x1234560ULL);
  CHECK(stable_to_handle(0x1234560ULL) == h);
  CHECK(torch_abi_version(2, 11) == ((2ULL << 56) | (11ULL << 48)));
}

TEST_CASE("torch's failure messages: the text, not the log prefix or backtrace, classified", "[bench]") {
  const std::string captured =
      "[E1125 10:00:00.123 1234 torch/csrc/shim_common.cpp:700] Exception in aoti_torch: Could not find schema for "
      "_act_cuda_0a1b2c3::gelu_fast\nException raised from findSchemaOrThrow at aten/src/ATen/core/dispatch/"
      "Dispatcher.cpp:150 (most recent call first):\nframe #0: c10::Error::Error(...)\n";
  const std::string msg = shim_error_message(captured);
  CHECK(msg == "Could not find schema for _act_cuda_0a1b2c3::gelu_fast");
  CHECK(classify_failure(msg).op_missing);
  CHECK_FALSE(classify_failure(msg).no_cuda_impl);
  auto no_cuda = classify_failure(
      "Could not run '_act::silu' with arguments from the 'CUDA' backend. This could be because the operator doesn't "
      "exist for this backend");
  CHECK(no_cuda.no_cuda_impl);
  CHECK_FALSE(no_cuda.op_missing);
  auto check = classify_failure("silu_and_mul: out must have shape [8, 4096]");
  CHECK_FALSE(check.op_missing);
  CHECK_FALSE(check.no_cuda_impl);
  CHECK(shim_error_message("  plain text\n") == "plain text");
}

TEST_CASE("StderrCapture collects what is written to fd 2 and restores it", "[bench]") {
  StderrCapture cap;
  std::fputs("captured line\n", stderr);
  CHECK(cap.finish() == "captured line\n");
  CHECK(cap.finish().empty());
}

TEST_CASE("buffer sets: > 4x L2 in all, at least 2, at most one per call, within free memory", "[bench]") {
  const std::uint64_t l2 = 50ull << 20;
  CHECK(buffer_sets(1ull << 30, l2, 10, 100, 80ull << 30) == 2);     // large: 2 sets already exceed L2
  CHECK(buffer_sets(48ull << 20, l2, 10, 100, 80ull << 30) == 5);    // small fp16: ceil(200 / 48)
  CHECK(buffer_sets(12ull << 10, l2, 10, 100, 80ull << 30) == 110);  // decode: one set per call
  CHECK(buffer_sets(1ull << 30, l2, 10, 100, 1ull << 30) == 1);      // only one fits
  CHECK(buffer_sets(0, l2, 10, 100, 1ull << 30) == 2);
}
