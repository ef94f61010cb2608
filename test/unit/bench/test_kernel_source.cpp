#include <catch2/catch.hpp>
#include <fstream>

#include "bench/kernel_source.hpp"
#include "bench/runner.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"

using namespace kcpp::bench;
namespace stdfs = std::filesystem;

namespace {

void write(const stdfs::path& p, const std::string& s) {
  stdfs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}

std::string fake_library(std::initializer_list<const char*> schemas) {
  std::string b(
      "\x7f"
      "ELF",
      4);
  b.push_back('\0');
  for (const char* s : schemas) {
    b += s;
    b.push_back('\0');
  }
  return b;
}

}  // namespace

TEST_CASE("a variant's library, namespace (metadata id) and declared schemas", "[bench]") {
  kcpp::fs::TempDir tmp("kcpp-bench");
  const auto v = tmp.path() / "torch211-cxx11-cu130-x86_64-linux";
  write(v / "metadata.json", R"({"name": "act", "id": "_act_cuda_0a1b2c3", "version": 1})");
  write(v / "_act_cuda_0a1b2c3.abi3.so",
        fake_library({"silu_and_mul(Tensor! out, Tensor input) -> ()", "gelu(Tensor input) -> Tensor"}));
  write(v / "other.so", "not it");
  write(v / "_ops.py", "");
  KernelUnderTest k;
  k.variant_dir = v;
  inspect_variant(k);
  CHECK(k.ns == "_act_cuda_0a1b2c3");
  CHECK(k.library.filename() == "_act_cuda_0a1b2c3.abi3.so");
  CHECK(k.summary.variant == "torch211-cxx11-cu130-x86_64-linux");
  CHECK_FALSE(k.schemas.at("silu_and_mul").derived);
  CHECK_FALSE(k.schemas.at("gelu").derived);

  // --dry-run: planned / not provided / unsupported, without torch or a GPU.
  BenchFlags f;
  f.target = v.string();
  f.ops = "silu_and_mul,gelu,silu";
  f.dtypes = "fp16";
  f.workloads = "decode";
  const auto o = validate(f, [](const std::string&) { return true; });
  const Report r = plan_report(o, k);
  REQUIRE(r.cases.size() == 3);
  CHECK(r.cases[0].status == CaseStatus::planned);
  CHECK(r.cases[1].status == CaseStatus::unsupported);
  CHECK(r.cases[2].status == CaseStatus::not_provided);
  CHECK(r.cases[2].message == "_act_cuda_0a1b2c3.abi3.so declares no op torch.ops._act_cuda_0a1b2c3.silu");
  CHECK(r.ok());
}

TEST_CASE("without metadata id, the only library names the namespace, ambiguity is an error", "[bench]") {
  kcpp::fs::TempDir tmp("kcpp-bench");
  const auto v = tmp.path() / "variant";
  write(v / "_relu_cuda_abc.abi3.so", fake_library({"relu(Tensor! out, Tensor input) -> ()"}));
  KernelUnderTest k;
  k.variant_dir = v;
  inspect_variant(k);
  CHECK(k.ns == "_relu_cuda_abc");
  write(v / "_second.so", "x");
  KernelUnderTest k2;
  k2.variant_dir = v;
  CHECK_THROWS_AS(inspect_variant(k2), kcpp::Error);
  KernelUnderTest empty;
  empty.variant_dir = tmp.path() / "none";
  stdfs::create_directories(empty.variant_dir);
  CHECK_THROWS_WITH(inspect_variant(empty), Catch::Contains("no shared object"));
}

TEST_CASE("a local kernel directory picks its preferred variant", "[bench]") {
  kcpp::fs::TempDir tmp("kcpp-bench");
  const auto kdir = tmp.path() / "kernel";
  for (const char* name : {"torch211-cxx11-cu130-x86_64-linux", "torch211-cxx11-cu128-x86_64-linux",
                           "torch210-cxx11-cu130-x86_64-linux"}) {
    write(kdir / "build" / name / "metadata.json", R"({"id": "_k_cuda_1"})");
    write(kdir / "build" / name / "_k_cuda_1.abi3.so", fake_library({"silu(Tensor! out, Tensor input) -> ()"}));
  }
  kcpp::variant::ProbeOverrides ov;
  ov.torch = "2.11.0+cu130";
  ov.cuda = "13.0";
  ov.cpu = "x86_64";
  ov.os = "linux";
  ov.cxx11_abi = true;
  const auto system = kcpp::variant::probe(ov);
  const auto backend = kcpp::variant::select_backend(system, std::nullopt);
  const auto k = open_local(kdir, system, backend);
  CHECK(k.summary.variant == "torch211-cxx11-cu130-x86_64-linux");
  CHECK(k.ns == "_k_cuda_1");
  // A variant directory given directly is used as is.
  const auto direct = open_local(kdir / "build" / "torch210-cxx11-cu130-x86_64-linux", system, backend);
  CHECK(direct.summary.variant == "torch210-cxx11-cu130-x86_64-linux");
  CHECK_THROWS_WITH(open_local(tmp.path(), system, backend), Catch::Contains("neither a variant directory"));
}
