// Which variants this machine can build: names from the probed torch/CUDA, and a reason for
// every variant that cannot be built here.
#include <catch2/catch.hpp>

#include <fmt/core.h>

#include "builder/variant_plan.hpp"

using namespace kcpp;
using namespace kcpp::builder;

namespace {

BuildConfig config_for(const std::string& extra_general = "", const std::string& torch_extra = "",
                       const std::string& backends = R"(["cpu", "cuda", "rocm"])") {
  return parse_build_toml(fmt::format("[general]\nname = \"relu\"\nversion = 1\nedition = 5\nlicense = \"MIT\"\n"
                                      "backends = {}\n{}\n[torch]\nsrc = []\n{}\n"
                                      "[kernel.a]\nbackend = \"cpu\"\ndepends = []\nsrc = [\"a.cpp\"]\n"
                                      "[kernel.b]\nbackend = \"cuda\"\ndepends = []\nsrc = [\"b.cu\"]\n",
                                      backends, extra_general, torch_extra),
                          "build.toml");
}

variant::System torch_system(const std::string& version, std::optional<variant::MajorMinor> cuda) {
  variant::System s;
  s.cpu = "x86_64";
  s.os = "linux";
  s.has_torch = true;
  s.torch_version_full = version;
  auto dot = version.find('.');
  s.torch_version = variant::MajorMinor{std::stol(version.substr(0, dot)), std::stol(version.substr(dot + 1))};
  s.torch_cxx11_abi = true;
  s.torch_dir = "/site-packages/torch";
  if (cuda) s.backend = variant::Backend{variant::BackendKind::cuda, *cuda};
  return s;
}

Toolchain nvcc(variant::MajorMinor v) {
  Toolchain t;
  t.cuda = CudaToolkit{"/usr/local/cuda/bin/nvcc", "/usr/local/cuda", v, "$PATH"};
  return t;
}

}  // namespace

TEST_CASE("a CUDA torch with a matching nvcc builds cpu and cuda, rocm is explained", "[builder]") {
  auto c = plan_variants(config_for(), torch_system("2.11.0+cu130", variant::MajorMinor{13, 0}), nvcc({13, 0}));
  REQUIRE(c.size() == 3);
  CHECK(c[0].name == "torch211-cxx11-cpu-x86_64-linux");
  CHECK(c[0].buildable);
  CHECK(c[1].name == "torch211-cxx11-cu130-x86_64-linux");
  CHECK(c[1].buildable);
  CHECK(c[1].cuda == variant::MajorMinor{13, 0});
  CHECK_FALSE(c[2].buildable);
  CHECK(c[2].describe() == "the rocm backend");
  CHECK(c[2].reason == "kernels-cpp builds cpu and cuda kernels; rocm is not supported yet");
}

TEST_CASE("cuda cannot be built with a CPU torch, without nvcc, or with a mismatched nvcc", "[builder]") {
  auto cpu_torch = plan_variants(config_for(), torch_system("2.11.0", std::nullopt), nvcc({13, 0}));
  CHECK(cpu_torch[0].buildable);
  CHECK(cpu_torch[1].name == "torch211-cxx11-cu130-x86_64-linux");
  CHECK_FALSE(cpu_torch[1].buildable);
  CHECK(cpu_torch[1].reason == "the torch at /site-packages/torch is built without CUDA (its backend is cpu)");

  Toolchain none;
  none.cuda_note = "no nvcc in …";
  auto no_nvcc = plan_variants(config_for(), torch_system("2.11.0", variant::MajorMinor{13, 0}), none);
  CHECK(no_nvcc[1].name.empty());
  CHECK(no_nvcc[1].describe() == "the cuda backend");
  CHECK(no_nvcc[1].reason == "no CUDA toolkit was found: no nvcc in …");

  auto major = plan_variants(config_for(), torch_system("2.11.0", variant::MajorMinor{13, 0}), nvcc({12, 8}));
  CHECK_FALSE(major[1].buildable);
  CHECK_THAT(major[1].reason, Catch::Contains("differ in major version"));

  auto newer = plan_variants(config_for(), torch_system("2.10.0", variant::MajorMinor{12, 6}), nvcc({12, 8}));
  CHECK_FALSE(newer[1].buildable);
  CHECK_THAT(newer[1].reason, Catch::Contains("is newer than torch's CUDA 12.6"));

  auto older = plan_variants(config_for(), torch_system("2.10.0", variant::MajorMinor{12, 8}), nvcc({12, 6}));
  CHECK(older[1].buildable);
  CHECK(older[1].name == "torch210-cxx11-cu126-x86_64-linux");
  CHECK(older[1].notes.size() == 1);
}

TEST_CASE("torch and CUDA bounds from build.toml", "[builder]") {
  auto sys = torch_system("2.11.0+cu130", variant::MajorMinor{13, 0});
  auto too_new = plan_variants(config_for("", "maxver = \"2.10\""), sys, nvcc({13, 0}));
  CHECK_FALSE(too_new[0].buildable);
  CHECK(too_new[0].reason == "torch 2.11.0+cu130 is newer than [torch] maxver = \"2.10\"");
  CHECK(plan_variants(config_for("", "maxver = \"2.11\""), sys, nvcc({13, 0}))[0].buildable);
  auto too_old = plan_variants(config_for("", "minver = \"2.12\""), sys, nvcc({13, 0}));
  CHECK(too_old[0].reason == "torch 2.11.0+cu130 is older than [torch] minver = \"2.12\"");
  auto cuda_max = plan_variants(config_for("[general.cuda]\nmaxver = \"12.9\""), sys, nvcc({13, 0}));
  CHECK(cuda_max[0].buildable);
  CHECK(cuda_max[1].reason == "CUDA 13.0 is newer than [general.cuda] maxver = \"12.9\"");
}

TEST_CASE("a backend with nothing to compile cannot be built", "[builder]") {
  auto cfg = parse_build_toml("[general]\nname = \"relu\"\nversion = 1\nedition = 5\nlicense = \"MIT\"\n"
                              "backends = [\"cpu\", \"cuda\"]\n[torch]\nsrc = []\n[kernel.a]\nbackend = \"cpu\"\n"
                              "depends = []\nsrc = [\"a.cpp\"]\n",
                              "build.toml");
  auto p = plan_variants(cfg, torch_system("2.11.0+cu130", variant::MajorMinor{13, 0}), nvcc({13, 0}));
  CHECK(p[0].buildable);
  CHECK_FALSE(p[1].buildable);
  CHECK(p[1].reason == "build.toml has nothing to compile for it ([torch] src is empty and no [kernel.*] section "
                       "has backend = \"cuda\")");
}

TEST_CASE("stable ABI, old C++ ABI and missing torch change the name or the verdict", "[builder]") {
  auto sys = torch_system("2.11.0+cu130", variant::MajorMinor{13, 0});
  auto stable = plan_variants(config_for("", "stable-abi = { cuda = \"2.10\" }"), sys, nvcc({13, 0}));
  CHECK(stable[0].name == "torch211-cxx11-cpu-x86_64-linux");
  CHECK(stable[1].name == "torch-stable-abi210-cu130-x86_64-linux");
  CHECK(stable[1].buildable);

  auto cxx98 = sys;
  cxx98.torch_cxx11_abi = false;
  CHECK(plan_variants(config_for(), cxx98, nvcc({13, 0}))[0].name == "torch211-cxx98-cpu-x86_64-linux");

  variant::System none;
  none.cpu = "x86_64";
  none.os = "linux";
  none.sources["torch"] = "not found (searched $PYTHONPATH)";
  auto c = plan_variants(config_for(), none, nvcc({13, 0}));
  CHECK_FALSE(c[0].buildable);
  CHECK(c[0].reason == "no torch installation was found (not found (searched $PYTHONPATH))");

  auto mac = sys;
  mac.os = "darwin";
  CHECK(plan_variants(config_for(), mac, nvcc({13, 0}))[0].reason ==
        "kernels-cpp builds on Linux only (this machine: darwin)");
}
