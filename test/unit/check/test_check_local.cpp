// `kernels check` on local kernel directories: one fixture per rule, each with the finding
// it must produce (rule, file, symbol/library, message), and the compliant case.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "check/check.hpp"
#include "check/variant_rules.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "kernel_fixture.hpp"

using namespace kcpp;
using namespace kcpp::check;

namespace {

CheckOptions no_gpu() {
  CheckOptions o;
  o.probe_gpu = false;
  return o;
}

std::vector<const Finding*> with_rule(const CheckReport& r, std::string_view rule, Severity s = Severity::error) {
  std::vector<const Finding*> out;
  for (const auto& f : r.findings)
    if (f.rule == rule && f.severity == s) out.push_back(&f);
  for (const auto& v : r.variants)
    for (const auto& f : v.findings)
      if (f.rule == rule && f.severity == s) out.push_back(&f);
  return out;
}

std::string so_bytes(const std::filesystem::path& dir, const std::string& name, const char* source,
                     const std::string& flags = "", bool cxx = false) {
  auto so = test::build_so(dir / "src", name, source, flags, cxx);
  REQUIRE(so);
  return test::read_bytes(*so);
}

}  // namespace

TEST_CASE("a compliant kernel passes with no findings", "[check]") {
  fs::TempDir tmp("kcpp-check");
  test::VariantSpec spec;
  spec.files["_relu_cpu_0123abc.abi3.so"] = so_bytes(tmp.path(), "ok.so", test::kCompliantC);
  test::write_variant(tmp.path() / "k", spec);
  const auto r = check_local(tmp.path() / "k", no_gpu());
  INFO(render_text(r));
  CHECK(r.compliant());
  CHECK(r.errors() == 0);
  CHECK(r.warnings() == 0);
  REQUIRE(r.variants.size() == 1);
  CHECK(r.variants[0].libraries.size() == 1);
  CHECK(r.variants[0].digest_algorithm == std::optional<std::string>("sha256"));
  CHECK(r.variants[0].digest_files == 4);  // __init__.py, _ops.py, relu/__init__.py, the .so
  CHECK(render_text(r).find("✅ compliant") != std::string::npos);
  CHECK(render_text(r).find("signature: not checked (unsigned)") != std::string::npos);
  const auto doc = nlohmann::json::parse(render_json(r));
  CHECK(doc["compliant"] == true);
  CHECK(doc["variants"][0]["libraries"][0]["upstream_check_abi_fails"] == false);
}

TEST_CASE("a file changed after its digest was written", "[check]") {
  fs::TempDir tmp("kcpp-check");
  test::VariantSpec spec;
  spec.files["_relu_cpu_0123abc.abi3.so"] = so_bytes(tmp.path(), "ok.so", test::kCompliantC);
  spec.files["layers.py"] = "x = 1\n";
  const auto dir = test::write_variant(tmp.path() / "k", spec);
  test::write_bytes(dir / "_ops.py", "ops = 'tampered'\n");
  std::filesystem::remove(dir / "layers.py");
  test::write_bytes(dir / "extra.py", "y = 2\n");
  test::write_bytes(dir / "relu" / "__pycache__" / "x.cpython-311.pyc", "bytecode");  // not in the digest…
  const auto r = check_local(tmp.path() / "k", no_gpu());
  const auto digest = with_rule(r, rule::digest);
  REQUIRE(digest.size() == 3);
  CHECK(digest[0]->file == "_ops.py");
  CHECK(digest[0]->message.rfind("File hash mismatch for _ops.py: expected: ", 0) == 0);
  CHECK(digest[1]->message == "Missing file: layers.py");
  CHECK(digest[2]->message == "Unknown file: extra.py");
  const auto layout = with_rule(r, rule::layout);  // …but bytecode is a layout error
  REQUIRE(layout.size() == 1);
  CHECK(layout[0]->file == "relu/__pycache__/x.cpython-311.pyc");
  CHECK_FALSE(r.compliant());
}

TEST_CASE("digest hashes are upstream's (base64 of SHA-256/512)", "[check]") {
  fs::TempDir tmp("kcpp-check");
  test::write_bytes(tmp.path() / "f", "hello world");
  CHECK(hash_file_base64(tmp.path() / "f", DigestAlgorithm::sha256) == "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=");
  CHECK(hash_file_base64(tmp.path() / "f", DigestAlgorithm::sha512) ==
        "MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw==");
  CHECK(excluded_from_digest("metadata.json"));
  CHECK(excluded_from_digest("metadata.json.sigstore"));
  CHECK_FALSE(excluded_from_digest("sub/metadata.json"));
  CHECK(excluded_from_digest("pkg/__pycache__/m.py"));
  CHECK(excluded_from_digest("payload.pyc"));
  CHECK_FALSE(excluded_from_digest(".pyc"));
  Digest expected{DigestAlgorithm::sha256, {{"gone.py", "g"}, {"changed.so", "old"}}};
  Digest actual{DigestAlgorithm::sha512, {{"changed.so", "new"}, {"extra.bin", "e"}}};
  std::vector<std::string> messages;
  for (const auto& v : validate_digest(expected, actual)) messages.push_back(v.message());
  CHECK(messages == std::vector<std::string>{"Algorithm mismatch: expected: SHA256, got: SHA512",
                                             "File hash mismatch for changed.so: expected: old, got: new",
                                             "Missing file: gone.py", "Unknown file: extra.bin"});
}

TEST_CASE("metadata.json missing a required field", "[check]") {
  fs::TempDir tmp("kcpp-check");
  test::VariantSpec spec;
  spec.metadata_overrides["license"] = nullptr;
  test::write_variant(tmp.path() / "k", spec);
  const auto r = check_local(tmp.path() / "k", no_gpu());
  const auto meta = with_rule(r, rule::metadata);
  REQUIRE(meta.size() == 1);
  CHECK(meta[0]->file == "metadata.json");
  CHECK(meta[0]->message.find("missing field `license`") != std::string::npos);
  CHECK_FALSE(meta[0]->hint.empty());
}

TEST_CASE("metadata rules beyond the schema", "[check]") {
  fs::TempDir tmp("kcpp-check");
  test::VariantSpec spec;
  spec.metadata_overrides["id"] = "not-a-module";
  spec.metadata_overrides["backend"] = {{"type", "cuda"}};
  test::write_variant(tmp.path() / "k", spec);
  const auto r = check_local(tmp.path() / "k", no_gpu());
  REQUIRE(with_rule(r, rule::metadata).size() == 1);
  CHECK(with_rule(r, rule::metadata)[0]->message.find("not a valid Python module name") != std::string::npos);
  REQUIRE(with_rule(r, rule::metadata, Severity::warning).size() == 1);  // cuda metadata in a cpu variant
  CHECK(is_python_module_name("_relu_cuda_0123abc"));
  CHECK_FALSE(is_python_module_name("1abc"));
  CHECK_FALSE(is_python_module_name("class"));
  CHECK_FALSE(is_python_module_name(""));

  // Version vs the Hub branch it is checked on.
  VariantTree v;
  v.name = "torch-universal";
  std::vector<Finding> out;
  const std::string text =
      R"({"name":"relu","id":"_relu_x","version":1,"license":"MIT","python-depends":[],"backend":{"type":"cuda"}})";
  REQUIRE(check_metadata(text, v, std::nullopt, 2, out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].message == "`version` is 1 but the variant is on branch v2");
  out.clear();
  check_metadata(text, v, std::nullopt, 1, out);
  CHECK(out.empty());
}

TEST_CASE("layout: names, package entry points, bytecode, build/", "[check]") {
  fs::TempDir tmp("kcpp-check");
  test::VariantSpec good;
  test::write_variant(tmp.path() / "k", good);
  test::VariantSpec bad_name;
  bad_name.name = "not-a-variant";
  test::write_variant(tmp.path() / "k", bad_name);
  test::VariantSpec no_init;
  no_init.name = "torch-cpu";
  const auto dir = test::write_variant(tmp.path() / "k", no_init);
  std::filesystem::remove(dir / "__init__.py");
  std::filesystem::remove_all(dir / "relu");
  const auto r = check_local(tmp.path() / "k", no_gpu());
  REQUIRE(r.variants.size() == 3);
  CHECK(r.variants[0].name == "not-a-variant");
  CHECK(r.variants[0].findings.at(0).message.find("is not a build variant name: Unknown framework in variant string") !=
        std::string::npos);
  CHECK(r.variants[1].name == "torch-cpu");
  CHECK_FALSE(r.variants[1].compliant());  // digest lists __init__.py (missing) + no entry point
  CHECK(r.variants[2].compliant());

  std::filesystem::create_directories(tmp.path() / "empty");
  const auto none = check_local(tmp.path() / "empty", no_gpu());
  REQUIRE(none.findings.size() == 1);
  CHECK(none.findings[0].message == "build/ does not exist");
  CHECK_FALSE(none.compliant());
}

TEST_CASE("ABI findings name variant, file, symbol or library, and rule", "[check]") {
  fs::TempDir tmp("kcpp-check");
  REQUIRE(test::build_so(tmp.path() / "src", "libkcppfixturedep.so", test::kDepC));
  test::VariantSpec spec;
  spec.files["_new.so"] = so_bytes(tmp.path(), "new.so", test::kNewGlibcC);
  spec.files["_dep.so"] =
      so_bytes(tmp.path(), "dep.so", test::kUsesDepC, "-L'" + (tmp.path() / "src").string() + "' -lkcppfixturedep");
  spec.files["_py.so"] = so_bytes(tmp.path(), "py.so", test::kPythonC);
  spec.files["_corrupt.so"] = so_bytes(tmp.path(), "c.so", test::kCompliantC).substr(0, 200);
  test::write_variant(tmp.path() / "k", spec);
  const auto r = check_local(tmp.path() / "k", no_gpu());
  REQUIRE(r.variants.size() == 1);
  const auto& v = r.variants[0];

  const auto needed = with_rule(r, rule::needed_library);
  REQUIRE(needed.size() == 1);
  CHECK(needed[0]->variant == v.name);
  CHECK(needed[0]->file == "_dep.so");
  CHECK(needed[0]->library == "libkcppfixturedep.so");

  const auto python = with_rule(r, rule::python_abi);
  REQUIRE(python.size() == 2);
  CHECK(python[0]->symbol == "PyModule_AddType");
  CHECK(python[1]->symbol == "PyCode_New");

  const auto corrupt = with_rule(r, rule::object_format);
  REQUIRE(corrupt.size() == 1);
  CHECK(corrupt[0]->file == "_corrupt.so");
  CHECK(corrupt[0]->message.find("cannot read this ELF file") != std::string::npos);

  const auto manylinux = with_rule(r, rule::manylinux);
  bool pthread = false;
  for (const auto* f : manylinux) pthread = pthread || (f->symbol == "pthread_create" && f->file == "_new.so");
  if (v.libraries.size() == 4 && v.libraries[2].analysis.required.count("GLIBC") &&
      v.libraries[2].analysis.required.at("GLIBC").tag == "GLIBC_2.34")
    CHECK(pthread);
  for (const auto* f : manylinux) CHECK_FALSE(f->hint.empty());
}

TEST_CASE("binaries for another CPU, and torch stable ABI variants", "[check]") {
  fs::TempDir tmp("kcpp-check");
  test::VariantSpec other_cpu;
  other_cpu.name = "torch211-cxx11-cpu-riscv64-linux";
  other_cpu.files["_x.so"] = so_bytes(tmp.path(), "ok.so", test::kCompliantC);
  test::write_variant(tmp.path() / "k", other_cpu);
  test::VariantSpec stable;
  stable.name = "torch-stable-abi29-cpu-x86_64-linux";
  stable.files["_t.so"] = so_bytes(tmp.path(), "t.so", test::kTorchCxx, "", true);
  test::write_variant(tmp.path() / "k", stable);
  const auto r = check_local(tmp.path() / "k", no_gpu());
  const auto arch = with_rule(r, rule::arch);
  REQUIRE(arch.size() == 1);
  CHECK(arch[0]->variant == "torch211-cxx11-cpu-riscv64-linux");
  const auto torch = with_rule(r, rule::torch_stable_abi);
  REQUIRE(torch.size() == 2);
  CHECK(torch[0]->symbol == "aoti_torch_aten_full");
  CHECK(torch[0]->message.find("appeared in torch 2.10, newer than the variant's stable ABI 2.9") != std::string::npos);
  CHECK(torch[1]->symbol == "at::kcpp_fixture_op()");
}

TEST_CASE("the variant option limits the check, and bad options are usage errors", "[check]") {
  fs::TempDir tmp("kcpp-check");
  test::VariantSpec a, b;
  b.name = "torch-universal";
  test::write_variant(tmp.path() / "k", a);
  test::write_variant(tmp.path() / "k", b);
  auto o = no_gpu();
  o.variants = {"torch-universal"};
  const auto r = check_local(tmp.path() / "k", o);
  REQUIRE(r.variants.size() == 1);
  CHECK(r.variants_available == 2);
  o.variants = {"torch-nope"};
  try {
    check_local(tmp.path() / "k", o);
    FAIL("expected a usage error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::usage);
    CHECK(std::string(e.what()).find("has no such variant") != std::string::npos);
  }
  o.variants.clear();
  o.manylinux = "manylinux_2_99";
  CHECK_THROWS_AS(check_local(tmp.path() / "k", o), Error);
  o.manylinux = "manylinux2014";  // an alias
  CHECK(check_local(tmp.path() / "k", o).manylinux == "manylinux_2_17");
}

TEST_CASE("GPU: fat binary targets vs backend.archs and a given device", "[check]") {
  fs::TempDir tmp("kcpp-check");
  auto so = test::build_so(tmp.path() / "src", "ok.so", test::kCompliantC);
  REQUIRE(so);
  test::write_bytes(tmp.path() / "fb.bin", test::fatbin_container({{2, 80, 0}, {2, 90, 0x100000}, {1, 90, 0}}));
  const auto gpu = tmp.path() / "src" / "gpu.so";
  if (!test::sh(tmp.path(), "objcopy --add-section .nv_fatbin='" + (tmp.path() / "fb.bin").string() + "' '" +
                                so->string() + "' '" + gpu.string() + "'")) {
    WARN("objcopy not available");
    return;
  }
  test::VariantSpec spec;
  spec.name = "torch211-cxx11-cu130-x86_64-linux";
  spec.backend = "cuda";
  spec.files["_relu_cuda.abi3.so"] = test::read_bytes(gpu);
  spec.metadata_overrides["backend"] = {{"type", "cuda"}, {"archs", {"8.0", "9.0a", "10.0"}}};
  test::write_variant(tmp.path() / "k", spec);
  ::setenv("KCPP_CUDA_DEVICE_CC", "7.5", 1);
  auto o = no_gpu();
  o.probe_gpu = true;
  const auto r = check_local(tmp.path() / "k", o);
  ::unsetenv("KCPP_CUDA_DEVICE_CC");
  const auto archs = with_rule(r, rule::gpu_archs, Severity::warning);
  REQUIRE(archs.size() == 1);
  CHECK(archs[0]->message == "metadata.json declares CUDA arch 10.0 but no shared object has an sm_100 cubin");
  const auto device = with_rule(r, rule::gpu_device, Severity::warning);
  REQUIRE(device.size() == 1);
  CHECK(device[0]->message.find("compute capability 7.5) cannot run any of: compute_90, sm_80, sm_90a") !=
        std::string::npos);
  REQUIRE(r.variants[0].libraries.size() == 1);
  REQUIRE(r.variants[0].libraries[0].gpu_runs.size() == 1);
  CHECK(r.variants[0].libraries[0].gpu_runs[0].second.empty());
  CHECK(r.compliant());  // GPU findings are warnings
}

TEST_CASE("GPU: a very long backend.archs entry is read without a stack overflow", "[check]") {
  // Found by the bad-input corpus: archs were matched with std::regex, whose matcher recursed
  // once per character (SIGSEGV at ~100k characters in a downloaded metadata.json).
  fs::TempDir tmp("kcpp-check");
  auto so = test::build_so(tmp.path() / "src", "ok.so", test::kCompliantC);
  REQUIRE(so);
  test::write_bytes(tmp.path() / "fb.bin", test::fatbin_container({{2, 80, 0}, {1, 80, 0}}));
  const auto gpu = tmp.path() / "src" / "gpu.so";
  if (!test::sh(tmp.path(), "objcopy --add-section .nv_fatbin='" + (tmp.path() / "fb.bin").string() + "' '" +
                                so->string() + "' '" + gpu.string() + "'")) {
    WARN("objcopy not available");
    return;
  }
  const std::string long_arch = std::string(200000, '1') + ".0";
  test::VariantSpec spec;
  spec.name = "torch211-cxx11-cu130-x86_64-linux";
  spec.backend = "cuda";
  spec.files["_relu_cuda.abi3.so"] = test::read_bytes(gpu);
  spec.metadata_overrides["backend"] = {{"type", "cuda"}, {"archs", {"8.0+PTX", long_arch, std::string(200000, 'x')}}};
  test::write_variant(tmp.path() / "k", spec);
  const auto r = check_local(tmp.path() / "k", no_gpu());
  const auto archs = with_rule(r, rule::gpu_archs, Severity::warning);
  REQUIRE(archs.size() == 1);  // the long one has no cubin; 8.0+PTX has both; the x… one is not a CUDA arch
  CHECK(archs[0]->message.find("metadata.json declares CUDA arch " + long_arch.substr(0, 100)) == 0);
}
