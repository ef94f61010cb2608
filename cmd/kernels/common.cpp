#include "common.hpp"

#include <cstdio>

#include "core/error.hpp"
#include "core/log.hpp"
#include "hub/client_factory.hpp"

namespace kcpp::cli {

void SystemFlags::add_to(CLI::App& app) {
  auto* g = app.add_option_group("System overrides", "Decide for another machine: each flag replaces one probed fact");
  g->add_option("--backend", backend, "Backend to resolve for: cpu or the detected backend (as upstream)");
  g->add_option("--torch", overrides.torch, "Torch version, e.g. 2.11 or 2.11.0+cu130; 'none' = no torch");
  g->add_option("--cuda", overrides.cuda, "CUDA version of the backend, e.g. 13.0");
  g->add_option("--rocm", overrides.rocm, "ROCm version of the backend, e.g. 7.1");
  g->add_option("--xpu", overrides.xpu, "XPU version of the backend, e.g. 2025.3");
  g->add_option("--cxx11-abi", cxx11_abi_text, "Torch C++11 ABI: true or false");
  g->add_option("--cpu", overrides.cpu, "CPU architecture, e.g. x86_64 or aarch64");
  g->add_option("--os", overrides.os, "Operating system: linux, darwin or windows");
  g->add_option("--macos", overrides.macos, "macOS version (darwin), e.g. 26.0");
  g->add_option("--tvm-ffi", overrides.tvm_ffi, "tvm-ffi version, e.g. 0.1; 'none' = absent");
}

std::pair<variant::System, variant::Backend> SystemFlags::resolve() const {
  auto o = overrides;
  if (cxx11_abi_text) {
    const auto& t = *cxx11_abi_text;
    if (t == "true" || t == "1" || t == "True") o.cxx11_abi = true;
    else if (t == "false" || t == "0" || t == "False") o.cxx11_abi = false;
    else throw usage_error("invalid value for --cxx11-abi: '" + t + "' (expected true or false)");
  }
  auto system = variant::probe(o);
  auto selected = variant::select_backend(system, backend);
  return {std::move(system), selected};
}

hub::HubClient make_client(const variant::System& system) { return hub::client_from_env(variant::user_agent_facts(system)); }

void print_out(const std::string& text) {
  // The stdout boundary: renderers escape each server string they print, and this pass
  // makes sure that no control or format character reaches the terminal even from a field
  // a renderer missed (JSON output is already free of them: log::escape_json_output).
  const std::string safe = log::escape_lines(text);
  std::fwrite(safe.data(), 1, safe.size(), stdout);
  std::fflush(stdout);
}

}  // namespace kcpp::cli
