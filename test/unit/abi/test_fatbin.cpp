// CUDA fat binary listing: synthetic containers (every field under our control), the same
// bytes placed in an ELF section with objcopy, and — where nvcc is installed — a real
// nvcc-built shared object.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "abi/analysis.hpp"
#include "abi/byte_reader.hpp"
#include "abi/fatbin.hpp"
#include "core/fs.hpp"
#include "fixtures.hpp"

using namespace kcpp;
using namespace kcpp::abi;

namespace {

std::vector<std::string> targets(const FatbinListing& l) {
  std::vector<std::string> out;
  for (const auto& e : l.entries) out.push_back(e.target());
  return out;
}

std::string nvcc() {
  if (const char* env = std::getenv("KCPP_NVCC"); env && *env) return env;
  for (const char* p : {"/usr/local/cuda/bin/nvcc", "/usr/bin/nvcc"})
    if (std::filesystem::exists(p)) return p;
  return "";
}

}  // namespace

TEST_CASE("fat binary containers list their cubins and PTX", "[abi]") {
  const std::string section = test::fatbin_container({{2, 80, 0}, {2, 90, 0x100000}, {1, 90, 0}}) +
                              std::string(8, '\0') +  // alignment padding between containers
                              test::fatbin_container({{2, 100, 0x200000}, {1, 120, 0x8000}});
  FatbinListing l;
  parse_fatbin_section(section, l);
  CHECK(l.containers == 2);
  CHECK(targets(l) == std::vector<std::string>{"sm_80", "sm_90a", "compute_90", "sm_100f", "compute_120"});
  // cuobjdump --list-elf --list-ptx names, in the same order (it drops "f", keeps "a").
  std::vector<std::string> names;
  for (const auto& e : l.entries) names.push_back(e.cuobjdump_name());
  CHECK(names == std::vector<std::string>{"sm_80.cubin", "sm_90a.cubin", "sm_90.ptx", "sm_100.cubin", "sm_120.ptx"});

  // Truncations and corruptions: a FormatError, never a read past the section.
  for (std::size_t n = 1; n < section.size(); ++n) {
    FatbinListing cut;
    try {
      parse_fatbin_section(section.substr(0, n), cut);
    } catch (const FormatError&) {
    }
  }
  std::string bad = section;
  bad[16 + 4] = '\x01';  // entry header size 1
  FatbinListing out;
  CHECK_THROWS_AS(parse_fatbin_section(bad, out), FormatError);
  bad = section;
  bad[8] = '\xff';  // container size past the section
  CHECK_THROWS_AS(parse_fatbin_section(bad, out), FormatError);
  CHECK_THROWS_AS(parse_fatbin_section("garbage!", out), FormatError);
}

TEST_CASE("which GPUs can run which fat binary entries", "[abi]") {
  auto entry = [](FatbinEntry::Kind k, std::uint32_t sm, bool a = false, bool f = false) {
    FatbinEntry e;
    e.kind = k;
    e.sm = sm;
    e.arch_specific = a;
    e.family_specific = f;
    return e;
  };
  using K = FatbinEntry::Kind;
  CHECK(can_run(entry(K::cubin, 80), {8, 6}));
  CHECK_FALSE(can_run(entry(K::cubin, 80), {9, 0}));  // cubins do not cross majors
  CHECK_FALSE(can_run(entry(K::cubin, 86), {8, 0}));
  CHECK(can_run(entry(K::cubin, 90, true), {9, 0}));
  CHECK_FALSE(can_run(entry(K::cubin, 100, true), {10, 3}));   // "a": exactly this architecture
  CHECK(can_run(entry(K::cubin, 100, false, true), {10, 3}));  // "f": the family
  CHECK(can_run(entry(K::ptx, 80), {12, 0}));                  // PTX is JIT-compiled upwards
  CHECK_FALSE(can_run(entry(K::ptx, 90), {8, 9}));
  CHECK_FALSE(can_run(entry(K::ptx, 90, true), {10, 0}));
}

TEST_CASE("the .nv_fatbin section of a shared object is found and listed", "[abi]") {
  fs::TempDir tmp("kcpp-abi");
  auto so = test::build_so(tmp.path(), "libok.so", test::kCompliantC);
  REQUIRE(so);
  test::write_bytes(tmp.path() / "fb.bin", test::fatbin_container({{2, 80, 0}, {1, 90, 0}}));
  const auto gpu = tmp.path() / "libgpu.so";
  if (!test::sh(tmp.path(), "objcopy --add-section .nv_fatbin='" + (tmp.path() / "fb.bin").string() + "' '" +
                                so->string() + "' '" + gpu.string() + "'")) {
    WARN("objcopy not available");
    return;
  }
  AbiOptions o;
  o.manylinux = find_manylinux_policy("manylinux_2_28");
  const std::string bytes = test::read_bytes(gpu);
  const auto a = analyze_library(bytes, o);
  REQUIRE_FALSE(a.parse_error);
  CHECK(a.gpu.sections == std::vector<std::string>{".nv_fatbin"});
  CHECK(targets(a.gpu) == std::vector<std::string>{"sm_80", "compute_90"});
  CHECK_FALSE(a.gpu_error);
}

TEST_CASE("an nvcc-built shared object lists the -gencode targets", "[abi][nvcc]") {
  const std::string compiler = nvcc();
  if (compiler.empty()) {
    WARN("nvcc not found (set KCPP_NVCC): skipped");
    return;
  }
  fs::TempDir tmp("kcpp-abi");
  test::write_bytes(tmp.path() / "k.cu",
                    "__global__ void kern(float* x) { x[threadIdx.x] *= 2.0f; }\n"
                    "extern \"C\" void launch(float* x) { kern<<<1, 32>>>(x); }\n");
  const auto so = tmp.path() / "libk.so";
  if (!test::sh(tmp.path(), compiler + " -shared -Xcompiler -fPIC -o '" + so.string() + "' '" +
                                (tmp.path() / "k.cu").string() +
                                "' -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90a,code=sm_90a"
                                " -gencode arch=compute_90,code=compute_90")) {
    WARN("nvcc failed: skipped (" << test::read_bytes(tmp.path() / "cmd.log") << ")");
    return;
  }
  AbiOptions o;
  o.manylinux = find_manylinux_policy("manylinux_2_28");
  const std::string bytes = test::read_bytes(so);
  const auto a = analyze_library(bytes, o);
  REQUIRE_FALSE(a.gpu_error);
  std::set<std::string> distinct;
  for (const auto& t : targets(a.gpu)) distinct.insert(t);
  CHECK(distinct == std::set<std::string>{"sm_80", "sm_90a", "compute_90"});
}
