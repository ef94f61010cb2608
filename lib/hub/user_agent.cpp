#include "hub/user_agent.hpp"

#include <fmt/core.h>

#if defined(__GLIBC__)
#include <gnu/libc-version.h>
#endif

#include "core/env.hpp"
#include "kcpp/build_info.hpp"

namespace kcpp::hub {

std::string user_agent(const UserAgentFacts& f, bool telemetry_disabled) {
  std::string ua = fmt::format("kernels-cpp/{}", kToolVersion);
  if (telemetry_disabled) return ua;
  ua += fmt::format("; backend/{}; platform/{}; file_type/kernel", f.backend, f.platform);
  if (f.torch) ua += "; torch/" + *f.torch;
  if (f.tvm_ffi) ua += "; tvm-ffi/" + *f.tvm_ffi;
  if (f.glibc) ua += "; glibc/" + *f.glibc;
  return ua;
}

bool telemetry_disabled_from_env() {
  return env::is_truthy("HF_HUB_DISABLE_TELEMETRY") || env::is_truthy("DISABLE_TELEMETRY") ||
         env::is_truthy("DO_NOT_TRACK");
}

std::optional<std::string> glibc_version() {
#if defined(__GLIBC__)
  return std::string(gnu_get_libc_version());
#else
  return std::nullopt;
#endif
}

}  // namespace kcpp::hub
