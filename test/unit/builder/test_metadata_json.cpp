// metadata.json as kernel-builder writes it: field order, serde's pretty form, the digest
// rules of §7.3, `hash` re-serialisation, identifiers and the generated Python/CMake text.
#include <catch2/catch.hpp>

#include <fstream>

#include "builder/cmake_project.hpp"
#include "builder/kernel_id.hpp"
#include "builder/metadata_json.hpp"
#include "builder/python_package.hpp"
#include "core/base64.hpp"
#include "core/fs.hpp"
#include "kcpp/build_info.hpp"

using namespace kcpp;
using namespace kcpp::builder;
namespace stdfs = std::filesystem;

namespace {

void write(const stdfs::path& p, const std::string& text) {
  stdfs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("base64 and base32 encodings", "[builder]") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base32_lower("") == "");
  CHECK(base32_lower("f") == "my");
  CHECK(base32_lower("foobar") == "mzxw6ytboi");
  CHECK(base32_lower(std::string(8, '\xff')).size() == 13);  // a u64: 13 characters, no padding
  CHECK(unique_id(GitState{"c0ffee", "0123456789abcdef", false}) == "0123456");
  CHECK(unique_id(GitState{"c0ffee", "0123456789abcdef", true}) == "0123456_dirty");
  CHECK(unique_id(std::nullopt).size() == 13);
  CHECK(ops_id("relu_cpu", "cuda", "0123456") == "_relu_cpu_cuda_0123456");
}

TEST_CASE("metadata fields in upstream's order, pretty-printed like serde", "[builder]") {
  BuildConfig c = parse_build_toml(R"([general]
name = "relu"
version = 2
edition = 5
license = "Apache-2.0"
backends = ["cuda"]
source = "git@github.com:org/relu.git"
kernel-depends = [{ repo-id = "org/dep", revision = "main" }]

[torch]
src = []
)",
                                   "build.toml");
  MetadataFields f;
  f.id = "_relu_cuda_0123456";
  f.backend = "cuda";
  f.archs = std::vector<std::string>{"10.0", "9.0"};
  f.kernel = GitProvenance{std::string(40, 'a'), true};
  ordered_json m = with_digest(make_metadata(c, Backend::cuda, f), ordered_json{{"algorithm", "sha256"}, {"files", ordered_json::object()}});
  CHECK(render_metadata(m) == std::string(R"({
  "name": "relu",
  "id": "_relu_cuda_0123456",
  "version": 2,
  "license": "Apache-2.0",
  "source": "git@github.com:org/relu.git",
  "python-depends": [],
  "kernel-depends": [
    {
      "repo-id": "org/dep",
      "revision": "main"
    }
  ],
  "backend": {
    "type": "cuda",
    "archs": [
      "10.0",
      "9.0"
    ]
  },
  "digest": {
    "algorithm": "sha256",
    "files": {}
  },
  "provenance": {
    "kernel-builder": {
      "version": ")") + kToolVersion + R"("
    },
    "kernel": {
      "commit": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      "dirty": true
    }
  }
})");
}

TEST_CASE("the digest covers every file but top-level metadata, __pycache__ and .pyc", "[builder]") {
  fs::TempDir tmp;
  const auto v = tmp.path() / "variant";
  write(v / "__init__.py", "hello world");
  write(v / "metadata.json", "{}");
  write(v / "metadata.json.sigstore", "sig");
  write(v / "sub" / "metadata.json", "nested");
  write(v / "__pycache__" / "x.cpython-311.pyc", "bytecode");
  write(v / "stale.pyc", "bytecode");
  write(v / "relu" / "__init__.py", "");
  stdfs::create_symlink("__init__.py", v / "link.py");
  stdfs::create_directories(tmp.path() / "elsewhere");
  write(tmp.path() / "elsewhere" / "x.py", "not part of the variant");
  stdfs::create_directory_symlink(tmp.path() / "elsewhere", v / "linked_dir");
  ordered_json d = digest_of(v);
  CHECK(d["algorithm"] == "sha256");
  CHECK(d["files"].dump() ==
        R"({"__init__.py":"uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=","link.py":"uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=",)"
        R"("relu/__init__.py":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","sub/metadata.json":)"
        R"("IzVi3hoCiLE5xPpAt9GJ+AbpBu6wSFF662fzSsDi+vE="})");
}

TEST_CASE("hash rewrites metadata.json in upstream's form with the digest", "[builder]") {
  fs::TempDir tmp;
  const auto v = tmp.path() / "build" / "torch211-cxx11-cpu-x86_64-linux";
  write(v / "__init__.py", "hello world");
  write(v / "metadata.json", R"({"extra": 1, "provenance": {"kernel-builder": {"version": "0.1", "sha": ")" +
                                 std::string(40, 'A') + R"(", "dirty": false}}, "backend": {"type": "cpu"},
    "python-depends": [], "license": "MIT", "version": 1, "id": "_x_cpu_1", "name": "xx"})");
  auto dirs = discover_variant_dirs(tmp.path());
  REQUIRE(dirs.size() == 1);
  hash_variant(dirs[0]);
  auto m = ordered_json::parse(fs::read_file(v / "metadata.json"));
  std::vector<std::string> keys;
  for (auto& [k, _] : m.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"name", "id", "version", "license", "python-depends", "kernel-depends",
                                         "backend", "digest", "provenance"});
  CHECK(m["digest"]["files"]["__init__.py"] == "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=");
  CHECK(m["provenance"]["kernel-builder"]["commit"] == std::string(40, 'a'));
  CHECK_THROWS_WITH(discover_variant_dirs(tmp.path() / "build" / "torch211-cxx11-cpu-x86_64-linux" / "none"),
                    Catch::StartsWith("No build variants found in `"));
}

TEST_CASE("generated _ops.py, compat package and CMakeLists.txt", "[builder]") {
  std::string ext = ops_py("_relu_cuda_abc", OpsBinding::torch_extension, "_relu_cuda_abc.abi3.so");
  CHECK_THAT(ext, Catch::Contains("from . import _relu_cuda_abc\n"));
  CHECK_THAT(ext, Catch::Contains("ops = torch.ops._relu_cuda_abc\n"));
  CHECK_THAT(ext, Catch::Contains("return f\"_relu_cuda_abc::{op_name}\""));
  std::string ct = ops_py("_relu_cpu_abc", OpsBinding::ctypes_library, "_relu_cpu_abc.abi3.so");
  CHECK_THAT(ct, Catch::Contains("native = ctypes.CDLL(str(Path(__file__).resolve().with_name(\"_relu_cpu_abc.abi3.so\")))"));
  CHECK_THAT(compat_init_py("relu"), Catch::Contains("globals().update("));

  CMakeProject p;
  p.target = "_relu_cuda_abc";
  p.variant = "torch211-cxx11-cu130-x86_64-linux";
  p.cuda = true;
  p.definitions = {"TORCH_EXTENSION_NAME=_relu_cuda_abc", "CUDA_KERNEL"};
  p.cuda_common_flags = {"--expt-relaxed-constexpr"};
  CompileUnit u;
  u.label = "[kernel.relu] (cuda)";
  u.sources = {"/k/relu_cuda/relu.cu", "/k/relu_cuda/helper.cpp"};
  u.includes = {"/k/include dir"};
  u.cuda_archs = {"9.0"};
  u.gencode = {"-gencode=arch=compute_90,code=sm_90"};
  u.cxx_flags = {"-DX=\"y\""};
  p.units = {u};
  p.link_libraries = {"/t/lib/libc10.so"};
  std::string text = render_cmakelists(p);
  CHECK_THAT(text, Catch::Contains("set(CMAKE_CUDA_ARCHITECTURES OFF)\nproject(_relu_cuda_abc LANGUAGES CXX)\n"));
  CHECK_THAT(text, Catch::Contains("set(CMAKE_CUDA_HOST_COMPILER \"${CMAKE_CXX_COMPILER}\")\nendif()\nenable_language(CUDA)"));
  CHECK_THAT(text, Catch::Contains("SUFFIX \".abi3.so\""));
  CHECK_THAT(text, Catch::Contains("CUDA_RUNTIME_LIBRARY Shared"));
  CHECK_THAT(text, Catch::Contains("PROPERTIES INCLUDE_DIRECTORIES \"/k/include dir\")"));
  CHECK_THAT(text, Catch::Contains("COMPILE_OPTIONS \"$<$<COMPILE_LANGUAGE:CUDA>:-gencode=arch=compute_90,code=sm_90>\")"));
  CHECK_THAT(text, Catch::Contains("COMPILE_OPTIONS \"$<$<COMPILE_LANGUAGE:CXX>:-DX=\\\"y\\\">\")"));
  CHECK_THAT(text, Catch::Contains("# [kernel.relu] (cuda): CUDA capabilities 9.0"));
  CHECK_THAT(text, Catch::Contains("\"/t/lib/libc10.so\""));
  CHECK(text.find("find_package") == std::string::npos);
}
