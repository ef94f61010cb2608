#pragma once
// The facts about a machine that decide which variants fit: CPU, OS, torch version and
// C++ ABI, detected backend, tvm-ffi version, macOS version. Probed from files (torch's
// version.py and build files, libcudart), never by starting Python; each fact can be
// overridden so users can ask about another machine.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "variant/variant.hpp"

#include "hub/user_agent.hpp"

namespace kcpp::variant {

struct System {
  std::string cpu;  // normalised like upstream: arm64 → aarch64 (darwin), AMD64 → x86_64 (windows)
  std::string os;   // platform.system().lower(): linux, darwin, windows
  bool has_torch = false;
  std::optional<std::string> torch_version_full;  // torch.__version__, e.g. "2.11.0+cu130"
  std::optional<MajorMinor> torch_version;        // truncated to major.minor
  std::optional<bool> torch_cxx11_abi;            // only on linux with torch
  // The torch package directory the facts were read from (…/site-packages/torch); unset
  // without torch or when --torch overrides the version (kernel-builder compiles against it).
  std::optional<std::filesystem::path> torch_dir;
  std::optional<std::string> tvm_ffi_version_full;
  std::optional<MajorMinor> tvm_ffi_version;
  std::optional<std::vector<long>> macos_version;  // darwin only, e.g. {15, 7, 1}
  Backend backend;                                 // auto-detected backend
  // Where each fact came from ("torch" → "/path/torch/version.py", "backend" → "override").
  std::map<std::string, std::string> sources;
};

// Python str() of a packaging.Version made from these components ("15.7.1"), or "None".
std::string macos_version_str(const std::optional<std::vector<long>>& v);

// Command-line overrides: each set field replaces one probed fact; the rest is probed.
struct ProbeOverrides {
  std::optional<std::string> torch;      // "2.11" or "2.11.0+cu130"; "none" = no torch
  std::optional<std::string> cuda;       // "13.0" → backend CUDA 13.0
  std::optional<std::string> rocm;       // "7.1"  → backend ROCm 7.1
  std::optional<std::string> xpu;        // "2025.3"
  std::optional<bool> cxx11_abi;
  std::optional<std::string> cpu;        // x86_64, aarch64
  std::optional<std::string> os;         // linux, darwin, windows
  std::optional<std::string> macos;      // "26.0"
  std::optional<std::string> tvm_ffi;    // "0.1" or "none"
};

// Probes this machine. Torch is looked up (first hit wins) in: $KERNELS_TORCH_DIR (a torch
// package directory), the entries of $PYTHONPATH, then the site-packages of $KERNELS_PYTHON,
// $VIRTUAL_ENV, and python3 on $PATH. Without torch the backend comes from libcudart's
// cudaRuntimeGetVersion (dlopen), as upstream does; else CPU.
// Throws kcpp::Error(usage) for malformed override values.
System probe(const ProbeOverrides& overrides = {});

// upstream _select_backend: nullopt → the detected backend; otherwise NAME must be "cpu" or
// the detected backend's name, else kcpp::Error(usage) with upstream's message:
// "Invalid backend 'rocm', system supported backends: cpu, cuda".
Backend select_backend(const System& system, const std::optional<std::string>& name);

// What the User-Agent tells the Hub about SYSTEM (backend token, platform, torch, tvm-ffi,
// glibc): hub::client_from_env(user_agent_facts(system)) is every command's Hub client.
hub::UserAgentFacts user_agent_facts(const System& system);

}  // namespace kcpp::variant
