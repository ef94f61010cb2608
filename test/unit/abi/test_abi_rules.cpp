// The ABI rules on fixtures built by the host compiler, one rule per fixture, and the data
// tables generated from upstream's files.
#include <catch2/catch.hpp>

#include <algorithm>

#include "abi/analysis.hpp"
#include "abi/policy_tables.hpp"
#include "abi/rules.hpp"
#include "abi/version.hpp"
#include "core/fs.hpp"
#include "fixtures.hpp"

using namespace kcpp;
using namespace kcpp::abi;
using kcpp::test::build_so;

namespace {

Version v(std::string_view s) { return *Version::parse(s); }

AbiOptions options(std::string_view policy = "manylinux_2_28") {
  AbiOptions o;
  o.manylinux = find_manylinux_policy(policy);
  return o;
}

LibraryAnalysis analyze_file(const std::filesystem::path& p, const AbiOptions& o) {
  const std::string bytes = test::read_bytes(p);
  return analyze_library(bytes, o);
}

// A library DIR/libversioned.so exporting kcpp_fixture_dep under version node NODE, and a
// user of it; returns the user.
std::optional<std::filesystem::path> versioned_import(const std::filesystem::path& dir, const std::string& node) {
  test::write_bytes(dir / "dep.map", node + " { global: kcpp_fixture_dep; local: *; };\n");
  if (!build_so(dir, "libversioned.so", test::kDepC, "-Wl,--version-script='" + (dir / "dep.map").string() + "'"))
    return std::nullopt;
  return build_so(dir, "user.so", test::kUsesDepC, "-L'" + dir.string() + "' -lversioned");
}

}  // namespace

TEST_CASE("versions compare and print like kernel-abi-check's", "[abi]") {
  CHECK(v("5.0.0") == v("5"));
  CHECK(v("5") < v("5.0.1"));
  CHECK(v("2.10") > v("2.9"));
  CHECK(v("15.0").str() == "15");
  CHECK(v(" 3.9 ").str() == "3.9");
  CHECK(v("2.10.0").str() == "2.10");
  std::string why;
  CHECK_FALSE(Version::parse("", &why));
  CHECK(why == "Empty version string");
  CHECK_FALSE(Version::parse("PRIVATE", &why));
  CHECK(why == "Version must consist of numbers: PRIVATE");
  CHECK_FALSE(Version::parse("1..2"));
  CHECK(macos_version_from_u32(0x000f0000).str() == "15");
  CHECK(macos_version_from_u32(0x000b0300).str() == "11.3");
}

TEST_CASE("the generated tables hold upstream's data", "[abi]") {
  const auto* p = find_manylinux_policy("manylinux_2_28");
  REQUIRE(p);
  CHECK(p->priority == 64);
  const auto& x86 = p->symbol_versions.at("x86_64");
  CHECK(x86.at("GLIBC").highest() == v("2.28"));
  CHECK(x86.at("GLIBCXX").highest() == v("3.4.24"));
  CHECK(x86.at("CXXABI").raw.count("TM_1"));
  CHECK(std::find(p->lib_whitelist.begin(), p->lib_whitelist.end(), "libstdc++.so.6") != p->lib_whitelist.end());
  CHECK(find_manylinux_policy("manylinux2014") == find_manylinux_policy("manylinux_2_17"));
  CHECK_FALSE(find_manylinux_policy("manylinux_2_99"));
  CHECK(python_stable_abi().at("PyModule_AddType").added == v("3.10"));
  CHECK(python_stable_abi().at("PyList_New").added == v("3.2"));
  CHECK(python_stable_abi().at("_Py_NoneStruct").data);
  CHECK_FALSE(python_stable_abi().count("PyCode_New"));
  CHECK(torch_shim_versions().at("aoti_torch_aten_full") == v("2.10"));
  CHECK_THROWS_WITH(policy_for_arch(*find_manylinux_policy("manylinux_2_5"), "aarch64"),
                    "Cannot find arch `aarch64` for: manylinux_2_5`");
}

TEST_CASE("a compliant shared object passes every rule", "[abi]") {
  fs::TempDir tmp("kcpp-abi");
  auto so = build_so(tmp.path(), "libok.so", test::kCompliantC);
  REQUIRE(so);
  const auto a = analyze_file(*so, options());
  CHECK_FALSE(a.parse_error);
  CHECK_FALSE(a.manylinux_error);
  CHECK(a.manylinux.violations.empty());
  CHECK(a.manylinux.unparsed.empty());
  CHECK(a.needed_violations.empty());
  CHECK(a.python.empty());
  CHECK(a.gpu.entries.empty());
  CHECK_FALSE(a.upstream_failed());
}

TEST_CASE("a symbol bound to a too-new glibc violates the manylinux policy", "[abi]") {
  fs::TempDir tmp("kcpp-abi");
  auto so = build_so(tmp.path(), "libnew.so", test::kNewGlibcC);
  REQUIRE(so);
  const auto a = analyze_file(*so, options());
  const auto& glibc = a.required.at("GLIBC");
  if (glibc.version < v("2.34")) {
    WARN("host glibc binds pthread_create to " << glibc.tag << "; the GLIBC_2.34 case needs glibc >= 2.34");
    return;
  }
  CHECK(glibc.tag == "GLIBC_2.34");
  CHECK(glibc.symbol == "pthread_create");
  REQUIRE(a.manylinux.violations.size() == 1);
  CHECK(*a.manylinux.violations.begin() == ManylinuxViolation{"pthread_create", "GLIBC", "2.34"});
  CHECK(a.upstream_failed());
  // The same file is fine for a policy that allows 2.34.
  CHECK(analyze_file(*so, options("manylinux_2_34")).manylinux.violations.empty());
}

TEST_CASE("memcpy@GLIBC_2.14 violates manylinux_2_12 on x86_64", "[abi]") {
#if defined(__x86_64__)
  fs::TempDir tmp("kcpp-abi");
  auto so = build_so(tmp.path(), "libcopy.so", test::kMemcpyC);
  REQUIRE(so);
  const auto a = analyze_file(*so, options("manylinux_2_12"));
  CHECK(a.manylinux.violations.count(ManylinuxViolation{"memcpy", "GLIBC", "2.14"}));
  CHECK(analyze_file(*so, options("manylinux_2_17")).manylinux.violations.empty());
#else
  WARN("x86_64 only");
#endif
}

TEST_CASE("DT_NEEDED must name allowed system or framework libraries", "[abi]") {
  fs::TempDir tmp("kcpp-abi");
  REQUIRE(build_so(tmp.path(), "libkcppfixturedep.so", test::kDepC));
  auto so = build_so(tmp.path(), "user.so", test::kUsesDepC, "-L'" + tmp.path().string() + "' -lkcppfixturedep");
  REQUIRE(so);
  const auto a = analyze_file(*so, options());
  REQUIRE(a.needed_violations.size() == 1);
  CHECK(a.needed_violations[0].library == "libkcppfixturedep.so");
  CHECK_FALSE(a.upstream_failed());  // upstream does not enforce lib_whitelist
  const auto& p = *find_manylinux_policy("manylinux_2_28");
  CHECK(allowed_library_reason(p, "libc.so.6") == std::optional<std::string>("manylinux"));
  CHECK(allowed_library_reason(p, "libtorch_cuda.so") == std::optional<std::string>("torch"));
  CHECK(allowed_library_reason(p, "libc10.so") == std::optional<std::string>("torch"));
  CHECK(allowed_library_reason(p, "libcudart.so.13") == std::optional<std::string>("cuda"));
  CHECK(allowed_library_reason(p, "libcudnn_ops.so.9") == std::optional<std::string>("cuda"));
  CHECK(allowed_library_reason(p, "libamdhip64.so.6") == std::optional<std::string>("rocm"));
  CHECK(allowed_library_reason(p, "ld-linux-x86-64.so.2") == std::optional<std::string>("loader"));
  CHECK_FALSE(allowed_library_reason(p, "libssl.so.3"));
  CHECK_FALSE(allowed_library_reason(p, "libtorchfoo.so"));
}

TEST_CASE("non-abi3 and too-new Python symbols are found", "[abi]") {
  fs::TempDir tmp("kcpp-abi");
  auto so = build_so(tmp.path(), "libpy.so", test::kPythonC);
  REQUIRE(so);
  auto a = analyze_file(*so, options());
  using K = PythonAbiViolation::Kind;
  CHECK(a.python == std::set<PythonAbiViolation>{{K::incompatible, "PyModule_AddType", v("3.10")},
                                                 {K::non_abi3, "PyCode_New", {}}});
  AbiOptions newer = options();
  newer.python_abi = v("3.10");
  CHECK(analyze_file(*so, newer).python == std::set<PythonAbiViolation>{{K::non_abi3, "PyCode_New", {}}});
}

TEST_CASE("torch stable ABI: newer shim functions and non-stable C++ symbols", "[abi]") {
  fs::TempDir tmp("kcpp-abi");
  auto so = build_so(tmp.path(), "libtorchabi.so", test::kTorchCxx, "", true);
  REQUIRE(so);
  AbiOptions o = options();
  o.torch_stable_abi = v("2.9");
  auto a = analyze_file(*so, o);
  using K = TorchAbiViolation::Kind;
  CHECK(a.torch_checked);
  CHECK(a.torch == std::set<TorchAbiViolation>{{K::incompatible, "aoti_torch_aten_full", v("2.10")},
                                               {K::non_stable, "at::kcpp_fixture_op()", {}}});
  o.torch_stable_abi = v("2.10");
  CHECK(analyze_file(*so, o).torch == std::set<TorchAbiViolation>{{K::non_stable, "at::kcpp_fixture_op()", {}}});
  CHECK(demangle("_ZN2at6TensorC1Ev") == std::optional<std::string>("at::Tensor::Tensor()"));
  CHECK_FALSE(demangle("i"));  // a type encoding, not a symbol
  CHECK_FALSE(demangle("_Zgarbage("));
}

TEST_CASE("version tags upstream cannot read", "[abi]") {
  fs::TempDir tmp("kcpp-abi");
  SECTION("GLIBC_PRIVATE: a constrained dependency with a non-numeric version") {
    auto so = versioned_import(tmp.path(), "GLIBC_PRIVATE");
    REQUIRE(so);
    const auto a = analyze_file(*so, options());
    REQUIRE(a.manylinux.unparsed.size() == 1);
    CHECK(a.manylinux.unparsed[0].tag == "GLIBC_PRIVATE");
    CHECK(a.manylinux.unparsed[0].upstream_error == "Version must consist of numbers: PRIVATE");
    CHECK(a.manylinux.unparsed[0].dep_in_policy);
    CHECK_FALSE(a.manylinux.unparsed[0].allowed_raw);
    CHECK(a.upstream_failed());
  }
  SECTION("CXXABI_TM_1: listed verbatim by the policy") {
    auto so = versioned_import(tmp.path(), "CXXABI_TM_1");
    REQUIRE(so);
    const auto a = analyze_file(*so, options());
    REQUIRE(a.manylinux.unparsed.size() == 1);
    CHECK(a.manylinux.unparsed[0].allowed_raw);
    CHECK(a.manylinux.violations.empty());
  }
  SECTION("a dependency the policy does not constrain") {
    auto so = versioned_import(tmp.path(), "KCPP_1.0");
    REQUIRE(so);
    const auto a = analyze_file(*so, options());
    CHECK(a.manylinux.unparsed.empty());
    CHECK(a.manylinux.violations.empty());
  }
}

TEST_CASE("Mach-O: minimum macOS and Python symbols without the leading underscore", "[abi]") {
  const std::string ok = test::macho_dylib(0x000b0000, {"_PyList_New"});  // macOS 11.0
  auto a = analyze_library(ok, options());
  REQUIRE_FALSE(a.parse_error);
  CHECK(a.format == ObjectFormat::macho);
  CHECK(a.arch == std::optional<std::string>("aarch64"));
  CHECK(a.macos_minos == std::optional<std::string>("11"));
  CHECK_FALSE(a.macos);
  CHECK(a.python.empty());

  a = analyze_library(test::macho_dylib(0x00100000, {"_PyCode_New"}), options());  // macOS 16.0
  REQUIRE(a.macos);
  CHECK_FALSE(a.macos->missing);
  CHECK(a.macos->required == v("16"));
  CHECK(a.python.size() == 1);
  CHECK(a.python.begin()->name == "PyCode_New");

  a = analyze_library(test::macho_dylib(0, {}), options());
  REQUIRE(a.macos);
  CHECK(a.macos->missing);
  // Truncated Mach-O: a parse error, never a crash.
  const std::string full = test::macho_dylib(0x000b0000, {"_PyList_New", "_Py_Dealloc"});
  for (std::size_t n = 4; n < full.size(); ++n) {
    auto cut = analyze_library(full.substr(0, n), options());
    CHECK((cut.parse_error.has_value() || cut.format == ObjectFormat::macho));
  }
}
