// Variant-name grammar: upstream's round-trip set (kernels/tests/test_variants.py) and the
// exact ValueError messages of parse_variant / parse_backend. The table of malformed and
// odd names below was produced by running the upstream oracle (kernels 0.17) on each input.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "variant/python_text.hpp"
#include "variant/variant.hpp"

using namespace kcpp;
using namespace kcpp::variant;
using namespace std::string_literals;
using namespace std::string_view_literals;

namespace {

std::vector<std::string> cross(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const auto& x : a)
    for (const auto& y : b) out.push_back(x + y);
  return out;
}

std::string parse_error(std::string_view name) {
  try {
    parse(name);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::parse);
    return e.what();
  }
  return "<no error>";
}

struct Case {
  std::string_view input;
  bool ok;
  std::string_view expected;  // canonical name when ok, else the exact message
};

// Generated from the oracle: parse_variant(input).variant_str or str(exception).
const Case kOracleCases[] = {
  {""sv, false, "Unknown framework in variant string: ''"sv},
  {"torch-"sv, true, "torch-"sv},
  {"torch"sv, true, "torch-"sv},
  {"torch29"sv, false, "Invalid arch variant parts: []"sv},
  {"torch29-cu128"sv, false, "Invalid arch variant parts: ['cu128']"sv},
  {"torch29-cxx11-cu128-x86_64"sv, false, "Invalid arch variant parts: ['cu128', 'x86_64']"sv},
  {"torch29-cxx11-cu128-x86_64-linux-extra"sv, false, "Invalid arch variant parts: ['cu128', 'x86_64', 'linux', 'extra']"sv},
  {"torch29-cu128-x86_64-linux-gnu"sv, false, "Invalid arch variant parts: ['cu128', 'x86_64', 'linux', 'gnu']"sv},
  {"cu"sv, false, "Unknown framework in variant string: 'cu'"sv},
  {"cuda128"sv, false, "Unknown framework in variant string: 'cuda128'"sv},
  {"rocm"sv, false, "Unknown framework in variant string: 'rocm'"sv},
  {"tvm-ffi"sv, false, "Invalid TvmFfi variant string: 'tvm-ffi'"sv},
  {"tvm-ffi1-cpu-x86_64-linux"sv, false, "Invalid TvmFfi variant string: 'tvm-ffi1'"sv},
  {"tvm-ffi01"sv, false, "Invalid arch variant parts: []"sv},
  {"torchX9-cu128-x86_64-linux"sv, false, "Invalid Torch variant string: 'torchX9'"sv},
  {"torch-stable-abi2-cu128-x86_64-linux"sv, false, "Invalid Torch stable ABI variant string: 'torch-stable-abi2'"sv},
  {"torch-stable-abi"sv, false, "Invalid Torch stable ABI variant string: 'torch-stable-abi'"sv},
  {"torch-stable-abi211"sv, false, "Invalid arch variant parts: []"sv},
  {"torch29-cu-x86_64-linux"sv, false, "Invalid CUDA variant string: 'cu'"sv},
  {"torch29-cuda-x86_64-linux"sv, false, "Invalid CUDA variant string: 'cuda'"sv},
  {"torch29-cu1-x86_64-linux"sv, false, "Invalid CUDA variant string: 'cu1'"sv},
  {"torch29-rocm7-x86_64-linux"sv, false, "Invalid ROCm variant string: 'rocm7'"sv},
  {"torch29-xpu2025-x86_64-linux"sv, true, "torch29-xpu2025-x86_64-linux"sv},
  {"torch29-xpu-x86_64-linux"sv, false, "Invalid XPU variant string: 'xpu'"sv},
  {"torch29-cann8-x86_64-linux"sv, false, "Invalid CANN variant string: 'cann8'"sv},
  {"torch29-foo-x86_64-linux"sv, false, "Unknown backend variant string: 'foo'"sv},
  {"torch29-CPU-x86_64-linux"sv, false, "Unknown backend variant string: 'CPU'"sv},
  {"torch29-cxx12-cu128-x86_64-linux"sv, false, "Invalid arch variant parts: ['cxx12', 'cu128', 'x86_64', 'linux']"sv},
  {"torch9-cpu-x86_64-linux"sv, false, "Invalid Torch variant string: 'torch9'"sv},
  {"torch2-cxx11-cpu-x86_64-linux"sv, false, "Invalid Torch variant string: 'torch2-cxx11'"sv},
  {"torch29-cxx11"sv, false, "Invalid arch variant parts: []"sv},
  {"tvm-ffi01-cu128"sv, false, "Invalid arch variant parts: ['cu128']"sv},
  {"tvm"sv, false, "Unknown framework in variant string: 'tvm'"sv},
  {"tvm-fi01-cpu-x86_64-linux"sv, false, "Unknown framework in variant string: 'tvm-fi01-cpu-x86_64-linux'"sv},
  {"foo-bar"sv, false, "Unknown framework in variant string: 'foo-bar'"sv},
  {"it's"sv, false, "Unknown framework in variant string: \"it's\""sv},
  {"a\"b'c-d"sv, false, "Unknown framework in variant string: 'a\"b\\'c-d'"sv},
  {"torch\xd9" "\xa2" "\xd9" "\xa9" "-cpu-x86_64-linux"sv, false, "Invalid version: '\xd9" "\xa2" ".\xd9" "\xa9" "'"sv},
  {"torch29-cu1\xd9" "\xa2" "8-x86_64-linux"sv, false, "Invalid version: '1\xd9" "\xa2" ".8'"sv},
  {"torch29-cpu-x86_64-linux-\xc3" "\xa9"sv, false, "Invalid arch variant parts: ['cpu', 'x86_64', 'linux', '\xc3" "\xa9" "']"sv},
  {"torch-stable-abi29-cpu"sv, false, "Invalid arch variant parts: ['cpu']"sv},
  {"TORCH29-cpu-x86_64-linux"sv, false, "Unknown framework in variant string: 'TORCH29-cpu-x86_64-linux'"sv},
  {"torch29-cxx11-cpu-x86_64-linux\n"sv, true, "torch29-cxx11-cpu-x86_64-linux\n"sv},
  {"torch29-c\\u-a-b"sv, false, "Unknown backend variant string: 'c\\\\u'"sv},
  {"torch29-cu128-\xc2" "\x85" "-\xe2" "\x80" "\xa8" "-x"sv, false, "Invalid arch variant parts: ['cu128', '\\x85', '\\u2028', 'x']"sv},
  {"torch29-cu128-a\x00" "\x7f" "\x09" "\x0d" "-b-c-d"sv, false, "Invalid arch variant parts: ['cu128', 'a\\x00\\x7f\\t\\r', 'b', 'c', 'd']"sv},
  {"torch29-cu128-\xf0" "\x9f" "\x98" "\x80" "-\xf3" "\xa0" "\x80" "\x81" "-x-y"sv, false, "Invalid arch variant parts: ['cu128', '\xf0" "\x9f" "\x98" "\x80" "', '\\U000e0001', 'x', 'y']"sv},
  {"torch-stable-abi29-cu\xd9" "\xa2" "8-x86_64-linux"sv, false, "Invalid version: '\xd9" "\xa2" ".8'"sv},
  {"tvm-ffi\xd9" "\xa0" "1-cpu-x86_64-linux"sv, false, "Invalid version: '\xd9" "\xa0" ".1'"sv},
  {"torch29-cxx11-cu12\xd9" "\xa8" "-x86_64-linux"sv, false, "Invalid version: '12.\xd9" "\xa8" "'"sv},
  {"torch29-cu128-x86_64-linux-\xff"sv, false, "Invalid arch variant parts: ['cu128', 'x86_64', 'linux', '\\udcff']"sv},
  {"torch2010-cpu-x86_64-linux"sv, true, "torch210-cpu-x86_64-linux"sv},
  {"torch29-cu0128-x86_64-linux"sv, true, "torch29-cu128-x86_64-linux"sv},
  {"torch-stable-abi2010-cpu-x86_64-linux"sv, true, "torch-stable-abi210-cpu-x86_64-linux"sv},
  {"tvm-ffi0010-cpu-x86_64-linux"sv, true, "tvm-ffi010-cpu-x86_64-linux"sv},
  {"torch29-cu1210-x86_64-linux"sv, true, "torch29-cu1210-x86_64-linux"sv},
  {"torch29-rocm6-4-x86_64-linux"sv, false, "Invalid arch variant parts: ['rocm6', '4', 'x86_64', 'linux']"sv},
  {"torch-cuda-12"sv, true, "torch-cuda-12"sv},
  {"torch--"sv, true, "torch--"sv},
  {"torch29-cxx98-metal-aarch64-darwin"sv, true, "torch29-cxx98-metal-aarch64-darwin"sv},
  {"-torch29-cpu-x86_64-linux"sv, false, "Unknown framework in variant string: '-torch29-cpu-x86_64-linux'"sv},
  {"torch29--x86_64-linux"sv, false, "Unknown backend variant string: ''"sv},
  {"torch29-cpu--"sv, true, "torch29-cpu--"sv},
  {"torch-stable-abi29-tpu-x-y"sv, true, "torch-stable-abi29-tpu-x-y"sv},
  {"tvm-ffi12-neuron-x-y"sv, true, "tvm-ffi12-neuron-x-y"sv},
  {"torch29-cann81-x86_64-linux"sv, true, "torch29-cann81-x86_64-linux"sv},
  {"torch29-cxx11-cpu-x86_64-linux "sv, true, "torch29-cxx11-cpu-x86_64-linux "sv},
  {"torch29-cxx11-cpu-x86_64-linux-"sv, false, "Invalid arch variant parts: ['cpu', 'x86_64', 'linux', '']"sv},
};

}  // namespace

TEST_CASE("upstream round-trip set parses and prints back", "[variant][parse]") {
  const std::vector<std::string> backends{"cpu", "cu126", "cu128", "cu130", "rocm63", "rocm64", "xpu20252"};
  std::vector<std::string> backend_arch;
  for (const auto& b : backends)
    for (const auto& a : {"aarch64", "x86_64"}) backend_arch.push_back("-" + b + "-" + a + "-linux");

  std::vector<std::string> names;
  // {torch25,torch29,torch210}{"",-cxx98,-cxx11}-{backends}-{aarch64,x86_64}-linux
  for (const auto& n : cross(cross({"torch25", "torch29", "torch210"}, {"", "-cxx98", "-cxx11"}), backend_arch))
    names.push_back(n);
  // {torch25,torch29,torch210,tvm-ffi01}-{cpu,metal}-aarch64-darwin
  for (const auto& n : cross({"torch25", "torch29", "torch210", "tvm-ffi01"}, {"-cpu-aarch64-darwin", "-metal-aarch64-darwin"}))
    names.push_back(n);
  // tvm-ffi01-{backends}-{aarch64,x86_64}-linux
  for (const auto& n : cross({"tvm-ffi01"}, backend_arch)) names.push_back(n);
  // torch-stable-abi{211,29}-{backends}-{aarch64,x86_64}-linux and -{cpu,metal}-aarch64-darwin
  for (const auto& n : cross({"torch-stable-abi211", "torch-stable-abi29"}, backend_arch)) names.push_back(n);
  for (const auto& n : cross({"torch-stable-abi211", "torch-stable-abi29"}, {"-cpu-aarch64-darwin", "-metal-aarch64-darwin"}))
    names.push_back(n);
  for (const auto& n : {"torch-cpu", "torch-cuda", "torch-metal", "torch-neuron", "torch-rocm", "torch-tpu", "torch-xpu",
                        "torch-npu", "torch-universal"})
    names.push_back(n);
  REQUIRE(names.size() == 126 + 8 + 14 + 28 + 4 + 9);

  for (const auto& n : names) {
    INFO(n);
    auto v = parse(n);
    CHECK(v.str() == n);
    CHECK(parse(v.str()) == v);
  }
}

TEST_CASE("parsed fields follow upstream's regexes", "[variant][parse]") {
  SECTION("torch: one-digit major, ABI tag optional") {
    auto v = parse("torch210-cxx11-cu128-x86_64-linux");
    REQUIRE(v.is_arch());
    const auto& a = v.arch();
    CHECK(a.framework == FrameworkKind::torch);
    CHECK(a.framework_version == MajorMinor{2, 10});
    CHECK(a.cxx11_abi == std::optional<bool>(true));
    CHECK(a.backend == Backend{BackendKind::cuda, {12, 8}});
    CHECK(a.cpu == "x86_64");
    CHECK(a.os == "linux");
    CHECK(parse("torch29-cxx98-cpu-x86_64-linux").arch().cxx11_abi == std::optional<bool>(false));
    CHECK_FALSE(parse("torch29-cpu-aarch64-darwin").arch().cxx11_abi.has_value());
    CHECK(parse("torch29-cpu-aarch64-darwin").arch().framework_version == MajorMinor{2, 9});
  }
  SECTION("backends split greedily: the minor is the last digit") {
    CHECK(parse_backend("cu128") == Backend{BackendKind::cuda, {12, 8}});
    CHECK(parse_backend("cu130") == Backend{BackendKind::cuda, {13, 0}});
    CHECK(parse_backend("cu1210") == Backend{BackendKind::cuda, {121, 0}});
    CHECK(parse_backend("rocm71") == Backend{BackendKind::rocm, {7, 1}});
    CHECK(parse_backend("xpu20253") == Backend{BackendKind::xpu, {2025, 3}});
    CHECK(parse_backend("cann81") == Backend{BackendKind::cann, {8, 1}});
    CHECK(parse_backend("cpu").kind == BackendKind::cpu);
    CHECK(parse_backend("metal").kind == BackendKind::metal);
    CHECK(parse_backend("neuron").kind == BackendKind::neuron);
    CHECK(parse_backend("tpu").kind == BackendKind::tpu);
  }
  SECTION("tvm-ffi splits lazily: the major is the first digit") {
    CHECK(parse("tvm-ffi01-cpu-x86_64-linux").arch().framework_version == MajorMinor{0, 1});
    CHECK(parse("tvm-ffi012-cpu-x86_64-linux").arch().framework_version == MajorMinor{0, 12});
    CHECK(parse("tvm-ffi012-cpu-x86_64-linux").arch().framework == FrameworkKind::tvm_ffi);
  }
  SECTION("stable ABI") {
    auto a = parse("torch-stable-abi211-cu128-x86_64-linux").arch();
    CHECK(a.framework == FrameworkKind::torch_stable_abi);
    CHECK(a.framework_version == MajorMinor{2, 11});
    CHECK_FALSE(a.cxx11_abi.has_value());
  }
  SECTION("noarch takes everything after torch-") {
    CHECK_FALSE(parse("torch-universal").is_arch());
    CHECK(parse("torch-universal").noarch().backend_name == "universal");
    CHECK(parse("torch-cuda-12").noarch().backend_name == "cuda-12");
    CHECK(parse("torch").noarch().backend_name.empty());
  }
  SECTION("leading zeros are normalised like packaging.Version") {
    CHECK(parse("torch2010-cpu-x86_64-linux").arch().framework_version == MajorMinor{2, 10});
    CHECK(parse("torch2010-cpu-x86_64-linux").str() == "torch210-cpu-x86_64-linux");
    CHECK(parse_backend("cu0128") == Backend{BackendKind::cuda, {12, 8}});
  }
  SECTION("MajorMinor and Backend strings") {
    CHECK(MajorMinor{2, 10}.str() == "2.10");
    CHECK(MajorMinor{12, 8}.str() == "12.8");
    CHECK(Backend{BackendKind::cuda, {13, 0}}.variant_str() == "cu130");
    CHECK(Backend{BackendKind::cuda, {13, 0}}.name() == "cuda");
    CHECK(Backend{BackendKind::rocm, {7, 1}}.name() == "rocm");
    CHECK(Backend{BackendKind::xpu, {2025, 3}}.variant_str() == "xpu20253");
    CHECK(Backend{BackendKind::cann, {8, 1}}.name() == "cann");
    CHECK(Backend{BackendKind::metal, {}}.variant_str() == "metal");
    CHECK(Backend{BackendKind::cuda, {13, 0}}.versioned());
    CHECK_FALSE(Backend{BackendKind::tpu, {}}.versioned());
  }
}

TEST_CASE("malformed and odd names behave exactly like the oracle", "[variant][parse]") {
  for (const Case& c : kOracleCases) {
    INFO("input: " << pytext::repr(c.input));
    if (c.ok) {
      std::string err;
      auto v = try_parse(c.input, &err);
      REQUIRE(v.has_value());
      CHECK(v->str() == c.expected);
    } else {
      CHECK(parse_error(c.input) == c.expected);
      std::string err;
      CHECK_FALSE(try_parse(c.input, &err).has_value());
      CHECK(err == c.expected);
    }
  }
}

TEST_CASE("the documented malformed names and their messages", "[variant][parse]") {
  CHECK(parse_error("") == "Unknown framework in variant string: ''");
  CHECK(parse_error("torch29") == "Invalid arch variant parts: []");
  CHECK(parse_error("torch29-cu128") == "Invalid arch variant parts: ['cu128']");
  CHECK(parse_error("torch29-cxx11-cu128-x86_64") == "Invalid arch variant parts: ['cu128', 'x86_64']");
  CHECK(parse_error("torch29-cxx11-cu128-x86_64-linux-x") ==
        "Invalid arch variant parts: ['cu128', 'x86_64', 'linux', 'x']");
  CHECK(parse_error("cu") == "Unknown framework in variant string: 'cu'");
  CHECK(parse_error("cuda128") == "Unknown framework in variant string: 'cuda128'");
  CHECK(parse_error("rocm") == "Unknown framework in variant string: 'rocm'");
  CHECK(parse_error("tvm-ffi") == "Invalid TvmFfi variant string: 'tvm-ffi'");
  CHECK(parse_error("torchX9-cu128-x86_64-linux") == "Invalid Torch variant string: 'torchX9'");
  CHECK(parse_error("torch-stable-abi2-cu128-x86_64-linux") ==
        "Invalid Torch stable ABI variant string: 'torch-stable-abi2'");
  CHECK(parse_error("torch29-cuda-x86_64-linux") == "Invalid CUDA variant string: 'cuda'");
  CHECK(parse_error("torch29-rocm-x86_64-linux") == "Invalid ROCm variant string: 'rocm'");
  CHECK(parse_error("torch29-xpu1-x86_64-linux") == "Invalid XPU variant string: 'xpu1'");
  CHECK(parse_error("torch29-cann-x86_64-linux") == "Invalid CANN variant string: 'cann'");
  CHECK(parse_error("torch29-vulkan-x86_64-linux") == "Unknown backend variant string: 'vulkan'");
  // "torch" and "torch-" are (empty-named) noarch variants upstream, not errors.
  CHECK(parse("torch").str() == "torch-");
  CHECK(parse("torch-").str() == "torch-");
  CHECK_THROWS_AS(parse_backend("cuda"), Error);
}

TEST_CASE("absurdly long version numbers are rejected, not overflowed", "[variant][parse]") {
  // Python ints do not overflow, so upstream accepts these; we report the framework's or
  // backend's "Invalid … variant string" message instead.
  const std::string nines(40, '9');
  CHECK(parse_error("torch2" + nines + "-cpu-x86_64-linux") == "Invalid Torch variant string: 'torch2" + nines + "'");
  CHECK(parse_error("torch-stable-abi2" + nines + "-cpu-x86_64-linux") ==
        "Invalid Torch stable ABI variant string: 'torch-stable-abi2" + nines + "'");
  CHECK(parse_error("tvm-ffi0" + nines + "-cpu-x86_64-linux") == "Invalid TvmFfi variant string: 'tvm-ffi0" + nines + "'");
  CHECK(parse_error("torch29-cu" + nines + "-x86_64-linux") == "Invalid CUDA variant string: 'cu" + nines + "'");
  CHECK(parse_error("torch29-rocm" + nines + "-x86_64-linux") == "Invalid ROCm variant string: 'rocm" + nines + "'");
  // Leading zeros do not count towards the length.
  CHECK(parse("torch2" + std::string(40, '0') + "9-cpu-x86_64-linux").str() == "torch29-cpu-x86_64-linux");
  CHECK(parse("torch2999999999999999999-cpu-x86_64-linux").arch().framework_version.minor == 999999999999999999L);
}

TEST_CASE("python repr of strings and lists", "[variant][parse]") {
  CHECK(pytext::repr("abc") == "'abc'");
  CHECK(pytext::repr("") == "''");
  CHECK(pytext::repr("it's") == "\"it's\"");
  CHECK(pytext::repr("a\"b'c") == "'a\"b\\'c'");
  CHECK(pytext::repr("say \"hi\"") == "'say \"hi\"'");
  CHECK(pytext::repr("back\\slash") == "'back\\\\slash'");
  CHECK(pytext::repr("t\tn\nr\r") == "'t\\tn\\nr\\r'");
  CHECK(pytext::repr("\x01\x1f\x7f") == "'\\x01\\x1f\\x7f'");
  CHECK(pytext::repr("caf\xc3\xa9") == "'caf\xc3\xa9'");          // é is printable
  CHECK(pytext::repr("\xc2\xa0") == "'\\xa0'");                     // NBSP is not
  CHECK(pytext::repr("\xe2\x80\x8b") == "'\\u200b'");               // zero-width space
  CHECK(pytext::repr("\xf3\xa0\x80\x81") == "'\\U000e0001'");       // language tag
  CHECK(pytext::repr("\xf0\x9f\x98\x80") == "'\xf0\x9f\x98\x80'");  // emoji is printable
  CHECK(pytext::repr("\xff") == "'\\udcff'");                       // surrogateescape
  CHECK(pytext::list_repr({}) == "[]");
  CHECK(pytext::list_repr({"cu128", "x86_64"}) == "['cu128', 'x86_64']");
  CHECK(pytext::list_repr({"it's"}) == "[\"it's\"]");
  CHECK(pytext::is_digit(U'7'));
  CHECK(pytext::is_digit(U'\u0662'));
  CHECK(pytext::is_digit(U'\uFF11'));
  CHECK_FALSE(pytext::is_digit(U'x'));
  CHECK_FALSE(pytext::is_digit(U'\u00B2'));  // superscript two is not Nd
}
