// CUDA capabilities as upstream's CMake helpers choose them (preamble.cmake defaults,
// utils.cmake cuda_archs_loose_intersection / set_gencode_flags_for_srcs).
#include <catch2/catch.hpp>

#include "builder/cuda_archs.hpp"

using namespace kcpp::builder;
using V = std::vector<std::string>;

TEST_CASE("default capabilities follow the CUDA version", "[builder]") {
  CHECK(default_cuda_archs({13, 0}) == V{"7.5", "8.0", "8.6", "8.7", "8.9", "9.0", "10.0", "11.0", "12.0", "12.1+PTX"});
  CHECK(default_cuda_archs({12, 8}) == V{"7.0", "7.2", "7.5", "8.0", "8.6", "8.7", "8.9", "9.0", "10.0", "10.1", "12.0+PTX"});
  CHECK(default_cuda_archs({12, 6}) == V{"7.0", "7.2", "7.5", "8.0", "8.6", "8.7", "8.9", "9.0+PTX"});
  CHECK(strip_ptx({"8.0", "9.0+PTX"}) == V{"8.0", "9.0"});
}

TEST_CASE("loose intersection: highest source <= each target of the same major", "[builder]") {
  // utils.cmake's example (its comment predates the x.0a rule; this is what the code does).
  CHECK(cuda_archs_loose_intersection({"7.5", "8.0", "8.6", "9.0", "9.0a"}, {"8.0", "8.9", "9.0"}) ==
        V{"8.0", "8.6", "9.0a"});
  // +PTX may serve a later major.
  CHECK(cuda_archs_loose_intersection({"8.0+PTX"}, {"9.0"}) == V{"8.0+PTX"});
  // Without PTX a source of another major does not match.
  CHECK(cuda_archs_loose_intersection({"8.0"}, {"9.0"}).empty());
  CHECK(cuda_archs_loose_intersection({"9.0"}, {"7.5", "8.0"}).empty());
  // Against CUDA 13's defaults: 10.0 serves 10.0 only; 12.0 serves 12.0 (not 11.0).
  CHECK(kernel_cuda_archs(nullptr, {13, 0}) == default_cuda_archs({13, 0}));
  V caps{"8.0", "9.0", "10.0", "12.0"};
  CHECK(kernel_cuda_archs(&caps, {13, 0}) == V{"8.0", "9.0", "10.0", "12.0"});
  V ten_f{"10.0f"};
  CHECK(kernel_cuda_archs(&ten_f, {13, 0}) == V{"10.0f"});
  V old{"6.0"};
  CHECK(kernel_cuda_archs(&old, {13, 0}).empty());
}

TEST_CASE("gencode flags and metadata archs", "[builder]") {
  CHECK(gencode_flags({"8.0", "9.0a", "12.1+PTX"}) ==
        V{"-gencode=arch=compute_80,code=sm_80", "-gencode=arch=compute_90a,code=sm_90a",
          "-gencode=arch=compute_121,code=sm_121", "-gencode=arch=compute_121,code=compute_121"});
  // Union, sorted as strings (CMake list SORT, then Python sorted(set())).
  CHECK(metadata_archs({{"8.0", "9.0", "10.0"}, {"9.0", "12.0+PTX"}}) == V{"10.0", "12.0+PTX", "8.0", "9.0"});
}
