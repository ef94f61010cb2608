// build.toml reader: the edition 5 schema with upstream's field names, the v4 upgrade, v3
// and unknown editions with upstream's messages, and every error at FILE:LINE:COL with a hint.
#include <catch2/catch.hpp>

#include <string>

#include "builder/build_toml.hpp"
#include "core/error.hpp"

using namespace kcpp;
using namespace kcpp::builder;

namespace {

const char* kV5 = R"([general]
name = "relu"
version = 1
edition = 5
license = "Apache-2.0"
backends = ["cpu", "cuda"]
upstream = "https://github.com/org/relu"
python-depends = ["einops"]

[general.hub]
repo-id = "kernels-test/relu"
branch = "v1"

[general.cuda]
minver = "12.6"
maxver = "13.0"
python-depends = ["nvidia-cutlass-dsl"]
kernel-depends = [{ repo-id = "org/dep", version = 2 }]

[torch]
src = ["torch-ext/torch_binding.cpp"]
include = ["include"]
pyext = ["py", "json"]

[kernel.relu_cpu]
backend = "cpu"
depends = ["torch"]
src = ["relu_cpu/relu.cpp"]

[kernel.activation]
backend = "cuda"
depends = ["torch"]
src = ["relu_cuda/relu.cu"]
cuda-capabilities = ["8.0", "9.0a"]
cuda-minver = "12.8"
)";

struct Failure {
  std::string message;
  std::string hint;
};

Failure failure_of(const std::string& toml) {
  try {
    std::vector<std::string> warnings;
    parse_build_toml(toml, "k/build.toml", &warnings);
  } catch (const Error& e) {
    return {e.what(), e.hints().empty() ? "" : e.hints().front()};
  }
  return {"no error", ""};
}

// KEY = VALUE replaced in the valid v5 text.
std::string v5_with(const std::string& from, const std::string& to) {
  std::string s = kV5;
  auto pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  return s.replace(pos, from.size(), to);
}

}  // namespace

TEST_CASE("a valid edition 5 build.toml", "[builder]") {
  std::vector<std::string> warnings;
  BuildConfig c = parse_build_toml(kV5, "k/build.toml", &warnings);
  CHECK(warnings.empty());
  CHECK(c.edition == 5);
  CHECK(c.general.name == "relu");
  CHECK(c.general.python_name() == "relu");
  CHECK(c.general.version == 1);
  CHECK(c.general.license == "Apache-2.0");
  CHECK(c.general.backends == std::vector<Backend>{Backend::cpu, Backend::cuda});
  CHECK(c.general.hub_repo_id == "kernels-test/relu");
  CHECK(c.general.hub_branch == "v1");
  CHECK(c.general.upstream == "https://github.com/org/relu");
  REQUIRE(c.general.cuda);
  CHECK(c.general.cuda->minver->str() == "12.6");
  CHECK(c.general.cuda->maxver->str() == "13");  // trailing zeros normalised, as upstream
  CHECK(c.framework.kind == FrameworkKind::torch);
  CHECK(c.framework.src == std::vector<std::string>{"torch-ext/torch_binding.cpp"});
  CHECK(c.framework.data_extensions() == std::vector<std::string>{"json"});
  REQUIRE(c.kernels.size() == 2);
  CHECK(c.kernels[0].name == "relu_cpu");  // document order
  CHECK(c.kernels[1].name == "activation");
  CHECK(c.kernels[1].backend == Backend::cuda);
  CHECK(c.kernels[1].where.line == 30);
  CHECK(*c.kernels[1].cuda_capabilities == std::vector<std::string>{"8.0", "9.0a"});
  CHECK(c.kernels[1].cuda_minver->str() == "12.8");
  CHECK(c.kernels_for(Backend::cpu).size() == 1);
  CHECK(python_depends_for(c, Backend::cuda) == std::vector<std::string>{"einops", "nvidia-cutlass-dsl"});
  CHECK(python_depends_for(c, Backend::cpu) == std::vector<std::string>{"einops"});
  auto deps = kernel_depends_for(c, Backend::cuda);
  REQUIRE(deps.size() == 1);
  CHECK(deps[0].repo_id == "org/dep");
  CHECK(deps[0].version == 2u);
  CHECK(kernel_depends_for(c, Backend::cpu).empty());
}

TEST_CASE("a v4 build.toml is upgraded in memory with upstream's warning", "[builder]") {
  const char* v4 = R"([general]
name = "relu"
version = 1
license = "MIT"
backends = ["cpu"]

[torch]
src = []
stable-abi = "2.10"

[kernel.relu]
backend = "cpu"
depends = []
src = ["relu.cpp"]
)";
  std::vector<std::string> warnings;
  BuildConfig c = parse_build_toml(v4, "build.toml", &warnings);
  CHECK(c.edition == 4);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] ==
        "⚠️  build.toml uses the legacy v4 format; upgrading to edition 5 in memory. Run `kernel-builder "
        "update-build` to persist the upgrade.");
  CHECK(c.framework.stable_abi_for(Backend::cpu)->str() == "2.10");
}

TEST_CASE("v3, other editions and unmatched files get upstream's messages", "[builder]") {
  auto v3 = failure_of("[general]\nname = \"relu\"\nbackends = [\"cuda\"]\n\n[kernel.relu]\nbackend = \"cuda\"\n"
                       "depends = [\"torch\"]\nsrc = [\"relu.cu\"]\n");
  CHECK(v3.message ==
        "k/build.toml:1:1: build.toml uses an unsupported legacy format; migrate it with `kernel-builder update-build`");

  auto e4 = failure_of(v5_with("edition = 5", "edition = 4"));
  CHECK(e4.message == "k/build.toml:4:11: unsupported build edition 4; upgrade kernel-builder");
  CHECK_FALSE(e4.hint.empty());

  auto bad_type = failure_of(v5_with("edition = 5", "edition = \"5\""));
  CHECK(bad_type.message == "k/build.toml:4:11: invalid `general.edition`: invalid type: string \"5\", expected u32");

  // Edition 5 content without `edition`: neither v4 nor v3.
  auto neither = failure_of(v5_with("edition = 5\n", ""));
  CHECK_THAT(neither.message, Catch::StartsWith("k/build.toml:17:1: did not match v4 (unknown field `kernel-depends`"));
  CHECK_THAT(neither.message, Catch::Contains(") or v3 ("));
  CHECK_THAT(neither.hint, Catch::Contains("edition = 5"));
}

TEST_CASE("unknown fields are denied with their position and the allowed names", "[builder]") {
  auto f = failure_of(v5_with("license = ", "licence = \"x\"\nlicense = "));
  CHECK(f.message ==
        "k/build.toml:5:1: unknown field `licence`, expected one of `name`, `version`, `edition`, `license`, "
        "`upstream`, `source`, `backends`, `cuda`, `hub`, `kernel-depends`, `neuron`, `python-depends`, `tpu`, `xpu`");
  CHECK_THAT(f.hint, Catch::Contains("[general] does not have a field `licence`"));

  auto k = failure_of(v5_with("cuda-minver = \"12.8\"", "cuda-minver = \"12.8\"\nrocm-archs = [\"gfx90a\"]"));
  CHECK_THAT(k.message, Catch::StartsWith("k/build.toml:36:1: unknown field `rocm-archs`, expected one of `backend`"));

  auto top = failure_of(std::string(kV5) + "\n[tvm]\nsrc = []\n");
  CHECK_THAT(top.message, Catch::StartsWith("k/build.toml:37:2: unknown field `tvm`"));

  auto hub = failure_of(v5_with("branch = \"v1\"", "revision = \"v1\""));
  CHECK(hub.message == "k/build.toml:12:1: unknown field `revision`, expected one of `repo-id`, `branch`");
}

TEST_CASE("a bad kernel name gets upstream's explanation", "[builder]") {
  auto f = failure_of(v5_with("name = \"relu\"", "name = \"Relu_2\""));
  CHECK_THAT(f.message, Catch::StartsWith("k/build.toml:2:8: Invalid kernel name `Relu_2`. Name must:\n- Start with"));
  CHECK_THAT(f.message, Catch::EndsWith("Examples: `my-kernel`, `relu2d`, `flash-attention`"));
  CHECK_THAT(f.hint, Catch::Contains("rename"));
}

TEST_CASE("wrong types name what was found and what was expected", "[builder]") {
  CHECK(failure_of(v5_with("version = 1", "version = \"1\"")).message ==
        "k/build.toml:3:11: invalid type: string \"1\", expected usize");
  CHECK(failure_of(v5_with("version = 1", "version = -1")).message ==
        "k/build.toml:3:11: invalid value: integer `-1`, expected usize");
  CHECK(failure_of(v5_with("license = \"Apache-2.0\"", "license = 2")).message ==
        "k/build.toml:5:11: invalid type: integer `2`, expected a string");
  CHECK(failure_of(v5_with("backends = [\"cpu\", \"cuda\"]", "backends = \"cpu\"")).message ==
        "k/build.toml:6:12: invalid type: string \"cpu\", expected a sequence");
  CHECK(failure_of(v5_with("backends = [\"cpu\", \"cuda\"]", "backends = [\"cpu\", \"gpu\"]")).message ==
        "k/build.toml:6:20: unknown variant `gpu`, expected one of `cann`, `cpu`, `cuda`, `metal`, `neuron`, `rocm`, "
        "`tpu`, `xpu`");
  CHECK(failure_of(v5_with("src = [\"relu_cpu/relu.cpp\"]", "src = [\"relu_cpu/relu.cpp\", 3]")).message ==
        "k/build.toml:28:29: invalid type: integer `3`, expected a string");
  CHECK(failure_of(v5_with("minver = \"12.6\"", "minver = \"12.x\"")).message ==
        "k/build.toml:15:10: Version must consist of numbers: 12.x");
  CHECK(failure_of(v5_with("upstream = \"https://github.com/org/relu\"", "upstream = \"ftp://x/y\"")).message ==
        "k/build.toml:7:12: unsupported scheme `ftp` in git URL `ftp://x/y`, expected one of: https, http, git, ssh, "
        "git+ssh, git+https, git+http");
  CHECK(failure_of(v5_with("depends = [\"torch\"]\nsrc = [\"relu_cpu", "depends = [\"cutlass\"]\nsrc = [\"relu_cpu"))
            .message == "k/build.toml:27:12: unknown variant `cutlass`, expected one of `cutlass_2_10`, `cutlass_3_5`, "
                        "`cutlass_3_6`, `cutlass_3_8`, `cutlass_3_9`, `cutlass_4_0`, `cutlass_4_4`, `cutlass_4_5`, "
                        "`sycl_tla`, `metal-cpp`, `torch`");
  CHECK(failure_of(v5_with("backend = \"cpu\"", "backend = \"tpu\"")).message ==
        "k/build.toml:26:11: unknown variant `tpu`, expected one of `cpu`, `cuda`, `metal`, `rocm`, `xpu`");
  CHECK(failure_of(v5_with("[general.hub]\nrepo-id = \"kernels-test/relu\"\nbranch = \"v1\"\n", "hub = 1\n")).message ==
        "k/build.toml:10:7: invalid type: integer `1`, expected struct Hub");
  CHECK(failure_of("general = 3\n").message ==
        "k/build.toml:1:11: invalid `general.edition`: invalid type: integer `3`, expected struct GeneralProbe");
  CHECK(failure_of(v5_with("version = 2 }", "version = 2, revision = \"main\" }")).message ==
        "k/build.toml:18:19: `version` and `revision` are mutually exclusive");
}

TEST_CASE("missing required keys are reported at their table", "[builder]") {
  auto license = failure_of(v5_with("license = \"Apache-2.0\"\n", ""));
  CHECK(license.message == "k/build.toml:1:1: missing field `license` in [general]");
  CHECK_THAT(license.hint, Catch::Contains("license = \"Apache-2.0\""));
  CHECK(failure_of(v5_with("backends = [\"cpu\", \"cuda\"]\n", "")).message ==
        "k/build.toml:1:1: missing field `backends` in [general]");
  CHECK(failure_of(v5_with("depends = [\"torch\"]\nsrc = [\"relu_cpu/relu.cpp\"]", "src = [\"relu_cpu/relu.cpp\"]"))
            .message == "k/build.toml:25:1: missing field `depends` in [kernel.relu_cpu]");
  CHECK(failure_of(v5_with("backend = \"cpu\"\n", "")).message ==
        "k/build.toml:25:1: missing field `backend` in [kernel.relu_cpu]");
  auto no_framework = failure_of(v5_with("[torch]\nsrc = [\"torch-ext/torch_binding.cpp\"]\ninclude = [\"include\"]\n"
                                         "pyext = [\"py\", \"json\"]\n",
                                         ""));
  CHECK(no_framework.message == "k/build.toml:1:1: missing field `torch` in [build.toml]");
  CHECK_THAT(no_framework.hint, Catch::Contains("[torch-noarch]"));
  CHECK(failure_of("[general]\nname = \"x1\"\nedition = 5\n").message ==
        "k/build.toml:1:1: missing field `version` in [general]");
}

TEST_CASE("TOML syntax errors carry the parser's position", "[builder]") {
  auto f = failure_of("[general]\nname = \"relu\nversion = 1\n");
  CHECK_THAT(f.message, Catch::StartsWith("k/build.toml:2:"));
  CHECK_THAT(f.message, Catch::Contains("Cannot parse TOML"));
}

TEST_CASE("unknown python dependencies are located in build.toml", "[builder]") {
  BuildConfig c = parse_build_toml(v5_with("python-depends = [\"einops\"]", "python-depends = [\"einops\", \"numpy\"]"),
                                   "k/build.toml");
  try {
    python_depends_for(c, Backend::cpu);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "k/build.toml:8:29: Unknown dependency: `\"numpy\"`");
  }
}

TEST_CASE("read_build_toml takes a kernel directory or a file and names a missing one", "[builder]") {
  try {
    read_build_toml("/nonexistent/kernel");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "Cannot open /nonexistent/kernel for reading");
    CHECK_FALSE(e.hints().empty());
  }
  BuildConfig c = read_build_toml(std::string(KCPP_SOURCE_DIR) + "/test/fixtures/kernels/relu-cpu");
  CHECK(c.general.name == "relu-cpu");
  CHECK(c.general.hub_repo_id == "kernels-test/relu-cpu");
  CHECK_FALSE(c.general.hub_branch);
  CHECK(c.framework.src.empty());
  REQUIRE(c.kernels.size() == 1);
  CHECK(c.kernels[0].depends.empty());
}

TEST_CASE("dotted versions compare and print like kernels-data's Version", "[builder]") {
  CHECK(parse_dotted_version("2.10")->str() == "2.10");
  CHECK(parse_dotted_version(" 12.0 ")->str() == "12");
  CHECK(*parse_dotted_version("2.9") < *parse_dotted_version("2.10"));
  CHECK(*parse_dotted_version("2.11.0") == *parse_dotted_version("2.11"));
  std::string why;
  CHECK_FALSE(parse_dotted_version("", &why));
  CHECK(why == "Empty version string");
  CHECK_FALSE(parse_dotted_version("1..2", &why));
  CHECK(why == "Version must consist of numbers: 1..2");
}

TEST_CASE("a very long kernel name is an error, not a stack overflow", "[builder]") {
  // Found by the bad-input corpus: the name was checked with std::regex, whose matcher
  // recursed once per character (SIGSEGV at ~100k characters).
  for (const std::string& name : {std::string("a") + std::string(300000, 'b'), std::string(300000, 'b') + "-"}) {
    std::string text = kV5;
    text.replace(text.find("\"relu\""), 6, "\"" + name + "\"");
    try {
      parse_build_toml(text, "build.toml");
      CHECK(name.back() != '-');  // valid characters: accepted
    } catch (const Error& e) {
      CHECK(name.back() == '-');
      CHECK(std::string(e.what()).rfind("build.toml:2:8: Invalid kernel name", 0) == 0);
    }
  }
}
