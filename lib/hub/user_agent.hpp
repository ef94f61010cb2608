#pragma once
// User-Agent in upstream's shape (upstream: kernels/hf_hub.py):
//   kernels-cpp/<ver>; backend/<token>; platform/<cpu>-<os>; file_type/kernel[; torch/<v>][; tvm-ffi/<v>][; glibc/<v>]
// With telemetry disabled (HF_HUB_DISABLE_TELEMETRY, DISABLE_TELEMETRY, DO_NOT_TRACK) only
// "kernels-cpp/<ver>".
#include <optional>
#include <string>

namespace kcpp::hub {

struct UserAgentFacts {
  std::string backend;   // variant token: cu130, rocm71, cpu, …
  std::string platform;  // x86_64-linux
  std::optional<std::string> torch;
  std::optional<std::string> tvm_ffi;
  std::optional<std::string> glibc;
};

std::string user_agent(const UserAgentFacts& facts, bool telemetry_disabled);
bool telemetry_disabled_from_env();
// gnu_get_libc_version() where available.
std::optional<std::string> glibc_version();

}  // namespace kcpp::hub
