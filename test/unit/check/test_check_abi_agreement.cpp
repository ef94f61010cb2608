// Agreement with upstream's `kernel-builder check-abi` (upstream: kernel-builder/src/check_abi.rs and kernel-abi-check): for each
// fixture, the exact stderr text upstream prints (our check-abi must print it too) and the
// symbols `kernels check` reports under the same rule. Where kernels-cpp deliberately goes
// further (DT_NEEDED, corrupt files explained) the test says so.
#include <catch2/catch.hpp>

#include <set>

#include "check/check.hpp"
#include "check/check_abi.hpp"
#include "core/fs.hpp"
#include "kernel_fixture.hpp"

using namespace kcpp;
using namespace kcpp::check;

namespace {

struct Run {
  std::string text;  // check-abi's stderr
  bool ok = false;
  std::string so_path;  // canonical path of the fixture's shared object
  CheckReport report;   // kernels check on the same directory
};

// A kernel with one variant holding SO as _kernel.so; both front ends run on it.
Run run_both(const std::filesystem::path& root, const std::string& so, const std::string& variant,
             std::optional<std::string> torch_abi = std::nullopt) {
  test::VariantSpec spec;
  spec.name = variant;
  spec.files["_kernel.so"] = so;
  const auto dir = test::write_variant(root / "k", spec);
  Run r;
  CheckAbiOptions o;
  o.kernel_dir = root / "k";
  if (torch_abi) o.torch_stable_abi = abi::Version::parse(*torch_abi);
  r.ok = run_check_abi(o, [&](std::string_view s) { r.text += s; });
  r.so_path = std::filesystem::canonical(dir / "_kernel.so").string();
  CheckOptions co;
  co.probe_gpu = false;
  r.report = check_local(root / "k", co);
  return r;
}

std::set<std::string> symbols(const CheckReport& r, std::string_view rule) {
  std::set<std::string> out;
  for (const auto& v : r.variants)
    for (const auto& f : v.findings)
      if (f.rule == rule && f.severity == Severity::error) out.insert(f.symbol);
  return out;
}

std::string so(const std::filesystem::path& dir, const char* source, const std::string& flags = "", bool cxx = false) {
  auto p = test::build_so(dir / "src", "fixture.so", source, flags, cxx);
  REQUIRE(p);
  return test::read_bytes(*p);
}

const std::string kLinux = "torch211-cxx11-cpu-x86_64-linux";

std::string header(const std::string& path) {
  return "🐍 Checking for compatibility with manylinux_2_28 and Python ABI version 3.9: " + path + "\n";
}

}  // namespace

TEST_CASE("agreement: compliant shared object", "[check][agreement]") {
  fs::TempDir tmp("kcpp-agree");
  const auto r = run_both(tmp.path(), so(tmp.path(), test::kCompliantC), kLinux);
  CHECK(r.text == header(r.so_path) + "✅ No compatibility issues found\n");
  CHECK(r.ok);
  CHECK(r.report.compliant());
}

TEST_CASE("agreement: too-new glibc symbol", "[check][agreement]") {
  fs::TempDir tmp("kcpp-agree");
  const auto r = run_both(tmp.path(), so(tmp.path(), test::kNewGlibcC), kLinux);
  const auto& lib = r.report.variants.at(0).libraries.at(0).analysis;
  if (lib.required.at("GLIBC").tag != "GLIBC_2.34") {
    WARN("needs a host glibc >= 2.34");
    return;
  }
  CHECK(r.text == header(r.so_path) +
                      "\n⛔ Symbols incompatible with `manylinux_2_28` found:\n\n"
                      "pthread_create_GLIBC: 2.34\n");
  CHECK_FALSE(r.ok);
  CHECK(symbols(r.report, rule::manylinux) == std::set<std::string>{"pthread_create"});
}

TEST_CASE("agreement: non-abi3 and too-new Python symbols", "[check][agreement]") {
  fs::TempDir tmp("kcpp-agree");
  const auto r = run_both(tmp.path(), so(tmp.path(), test::kPythonC), kLinux);
  CHECK(r.text == header(r.so_path) +
                      "\n⛔ Symbols >= Python ABI 3.9 found:\n\n"
                      "PyModule_AddType: 3.10\n"
                      "\n⛔ Non-ABI3 symbols found:\n\n"
                      "PyCode_New\n");
  CHECK_FALSE(r.ok);
  CHECK(symbols(r.report, rule::python_abi) == std::set<std::string>{"PyModule_AddType", "PyCode_New"});
}

TEST_CASE("agreement: torch stable ABI", "[check][agreement]") {
  fs::TempDir tmp("kcpp-agree");
  // kernels check takes the version from the variant name; check-abi from --torch-stable-abi.
  const auto r =
      run_both(tmp.path(), so(tmp.path(), test::kTorchCxx, "", true), "torch-stable-abi29-cpu-x86_64-linux", "2.9");
  CHECK(r.text == header(r.so_path) +
                      "🔥 Checking for compatibility with Torch stable ABI version 2.9\n"
                      "\n⛔ Non-stable Torch ABI symbols found (incompatible with Torch stable ABI 2.9):\n\n"
                      "aoti_torch_aten_full: 2.10\n"
                      "at::kcpp_fixture_op()\n");
  CHECK_FALSE(r.ok);
  CHECK(symbols(r.report, rule::torch_stable_abi) ==
        std::set<std::string>{"aoti_torch_aten_full", "at::kcpp_fixture_op()"});
}

TEST_CASE("agreement: forbidden DT_NEEDED (kernels check only)", "[check][agreement]") {
  fs::TempDir tmp("kcpp-agree");
  REQUIRE(test::build_so(tmp.path() / "src", "libkcppfixturedep.so", test::kDepC));
  const auto r =
      run_both(tmp.path(),
               so(tmp.path(), test::kUsesDepC, "-L'" + (tmp.path() / "src").string() + "' -lkcppfixturedep"), kLinux);
  // Upstream loads lib_whitelist but does not enforce it: the file passes there.
  CHECK(r.text == header(r.so_path) + "✅ No compatibility issues found\n");
  CHECK(r.ok);
  CHECK_FALSE(r.report.compliant());
  REQUIRE(r.report.variants.at(0).findings.size() == 1);
  CHECK(r.report.variants[0].findings[0].rule == rule::needed_library);
  CHECK(r.report.variants[0].findings[0].library == "libkcppfixturedep.so");
}

TEST_CASE("agreement: truncated ELF", "[check][agreement]") {
  fs::TempDir tmp("kcpp-agree");
  const auto r = run_both(tmp.path(), so(tmp.path(), test::kCompliantC).substr(0, 300), kLinux);
  // Upstream fails the file without a word; we say why.
  CHECK(r.text.rfind("\n⛔ Cannot check " + r.so_path + ": Cannot parse object: ", 0) == 0);
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.report.compliant());
  CHECK(r.report.variants.at(0).findings.at(0).rule == rule::object_format);
}

TEST_CASE("agreement: digest and metadata problems are not check-abi's business", "[check][agreement]") {
  fs::TempDir tmp("kcpp-agree");
  test::VariantSpec spec;
  spec.name = kLinux;
  spec.files["_kernel.so"] = so(tmp.path(), test::kCompliantC);
  spec.metadata_overrides["license"] = nullptr;
  const auto dir = test::write_variant(tmp.path() / "k", spec);
  test::write_bytes(dir / "_ops.py", "changed\n");
  std::string text;
  CheckAbiOptions o;
  o.kernel_dir = tmp.path() / "k";
  CHECK(run_check_abi(o, [&](std::string_view s) { text += s; }));
  CHECK(text.find("✅ No compatibility issues found") != std::string::npos);
  CheckOptions co;
  co.probe_gpu = false;
  const auto r = check_local(tmp.path() / "k", co);
  CHECK_FALSE(r.compliant());
}

TEST_CASE("check-abi finds variants like upstream's discover_variants", "[check][agreement]") {
  fs::TempDir tmp("kcpp-agree");
  std::filesystem::create_directories(tmp.path() / "k" / "build" / "no-metadata");
  try {
    discover_variants(tmp.path() / "k");
    FAIL("expected an error");
  } catch (const Error& e) {
    const std::string k = (tmp.path() / "k").string();
    CHECK(std::string(e.what()) == "No build variants found in `" + k + "/result`, `" + k + "/build`, or `" + k + "`");
  }
  test::write_bytes(tmp.path() / "k" / "build" / "b" / "metadata.json", "{}");
  test::write_bytes(tmp.path() / "k" / "build" / "a" / "metadata.json", "{}");
  const auto [dir, variants] = discover_variants(tmp.path() / "k");
  CHECK(dir == tmp.path() / "k" / "build");
  REQUIRE(variants.size() == 2);
  CHECK(variants[0].filename() == "a");
}
