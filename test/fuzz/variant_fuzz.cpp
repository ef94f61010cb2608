// libFuzzer target for names: build-variant names (lib/variant: the whole upstream grammar,
// then resolution against a fixed system) and Hub repo ids (lib/hub/types). Each input is
// split into lines; every line is parsed as a variant name, a backend token and a repo id.
// Properties: only kcpp::Error is ever thrown; an accepted variant formats to a canonical
// name that parses back to the same value; an accepted repo id is the input itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "fuzz_common.hpp"
#include "hub/types.hpp"
#include "variant/resolve.hpp"
#include "variant/system.hpp"
#include "variant/variant.hpp"

using namespace kcpp;

namespace {

const variant::System& system_under_test() {
  static const variant::System s = [] {
    variant::System sys;
    sys.cpu = "x86_64";
    sys.os = "linux";
    sys.has_torch = true;
    sys.torch_version_full = "2.11.0+cu130";
    sys.torch_version = variant::MajorMinor{2, 11};
    sys.torch_cxx11_abi = true;
    sys.tvm_ffi_version = variant::MajorMinor{0, 1};
    sys.backend = variant::Backend{variant::BackendKind::cuda, {13, 0}};
    return sys;
  }();
  return s;
}

void one_name(std::string_view name, std::vector<variant::Variant>& parsed) {
  try {
    variant::Variant v = variant::parse(name);
    const std::string canonical = v.str();
    variant::Variant again = variant::parse(canonical);  // must not throw
    KCPP_FUZZ_CHECK(again == v, "variant '" + std::string(name) + "' → '" + canonical + "' parses differently");
    KCPP_FUZZ_CHECK(again.str() == canonical, canonical);
    parsed.push_back(std::move(v));
  } catch (const Error& e) {
    KCPP_FUZZ_CHECK(e.kind() == ErrorKind::parse, e.what());
  }
  std::string why;
  (void)variant::try_parse(name, &why);
  try {
    (void)variant::parse_backend(name).variant_str();
  } catch (const Error&) {
  }
  const std::string problem = hub::repo_id_problem(name);
  try {
    hub::RepoId id = hub::parse_repo_id(name);
    KCPP_FUZZ_CHECK(problem.empty(), problem);
    KCPP_FUZZ_CHECK(id.str() == name, id.str());
    (void)hub::repo_folder_name(hub::RepoType::kernel, id);
  } catch (const Error& e) {
    KCPP_FUZZ_CHECK(!problem.empty() && e.kind() == ErrorKind::usage, e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<variant::Variant> parsed;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    one_name(text.substr(start, nl - start), parsed);
    start = nl + 1;
  }
  const auto& sys = system_under_test();
  auto trace = variant::resolve(parsed, sys, sys.backend);
  (void)variant::preferred_index(trace);
  (void)variant::trace_str(trace);
  auto cpu_trace = variant::resolve(parsed, sys, variant::Backend{});
  (void)variant::trace_str(cpu_trace);
  return 0;
}
