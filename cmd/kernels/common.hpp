#pragma once
// Shared pieces of the `kernels` subcommands: system-override flags, the Hub client
// built from the environment, output helpers.
#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "hub/client.hpp"
#include "variant/system.hpp"

namespace kcpp::cli {

// --torch, --cuda, --rocm, --xpu, --cxx11-abi, --cpu, --os, --macos, --tvm-ffi, --backend:
// each overrides one probed fact, so users can ask about a machine they are not on.
struct SystemFlags {
  variant::ProbeOverrides overrides;
  std::optional<std::string> backend;
  std::optional<std::string> cxx11_abi_text;

  void add_to(CLI::App& app);
  // Probes (applying overrides) and selects the backend; throws usage errors.
  std::pair<variant::System, variant::Backend> resolve() const;
};

// A client for HF_ENDPOINT with the token, offline flag and a User-Agent naming this tool
// and the probed system.
hub::HubClient make_client(const variant::System& system);

// Writes to stdout in full (data goes to stdout; logs and progress to stderr), each line
// passed through log::escape_lines.
void print_out(const std::string& text);

}  // namespace kcpp::cli
