// libFuzzer target for the TOML front-ends: pyproject.toml's [tool.kernels.dependencies]
// (lib/lock/pyproject) and build.toml (lib/builder: edition probe, v3/v4/v5 schemas,
// metadata.json dependency lists), through the system's toml++ as the tools use it.
// (kernel-status.toml has no reader: kernels 0.17.2 ignores it and so do we.)
// Properties: only kcpp::Error is thrown; errors name the file, with a line:column
// where the message has a position.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "builder/build_toml.hpp"
#include "core/error.hpp"
#include "fuzz_common.hpp"
#include "lock/pyproject.hpp"

using namespace kcpp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto p = lock::parse_pyproject(text, "pyproject.toml");
    KCPP_FUZZ_CHECK(!p.dependencies.empty(), "accepted without dependencies");
    for (const auto& d : p.dependencies) KCPP_FUZZ_CHECK(d.key_at.line >= 1 && d.value_at.line >= 1, d.repo_id);
  } catch (const Error& e) {
    KCPP_FUZZ_CHECK(e.kind() == ErrorKind::parse, e.what());
    KCPP_FUZZ_CHECK(std::string_view(e.what()).find("pyproject.toml") != std::string_view::npos, e.what());
  }
  try {
    std::vector<std::string> warnings;
    builder::BuildConfig c = builder::parse_build_toml(text, "build.toml", &warnings);
    for (auto b : c.general.backends) {
      (void)c.kernels_for(b);
      (void)c.framework.stable_abi_for(b);
      (void)builder::kernel_depends_for(c, b);
      try {
        (void)builder::python_depends_for(c, b);
      } catch (const Error& e) {
        KCPP_FUZZ_CHECK(std::string_view(e.what()).rfind("build.toml:", 0) == 0, e.what());
      }
    }
    (void)c.framework.data_extensions();
  } catch (const Error& e) {
    KCPP_FUZZ_CHECK(e.kind() == ErrorKind::parse, e.what());
    KCPP_FUZZ_CHECK(std::string_view(e.what()).rfind("build.toml:", 0) == 0, e.what());
  }
  return 0;
}
