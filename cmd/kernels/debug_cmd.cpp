// `kernels debug system` and `kernels debug resolve VARIANT...`: show what the probe
// found and how a list of variant names is decided, without any Hub.
#include <fmt/core.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "core/log.hpp"
#include "variant/resolve.hpp"

namespace kcpp::cli {

namespace {
struct DebugOptions {
  std::vector<std::string> variants;
  SystemFlags system;
};
}  // namespace

void register_debug(CLI::App& app) {
  auto* debug = app.add_subcommand("debug", "Inspect the system probe and the variant matcher");
  debug->require_subcommand(1);

  auto sys_opts = std::make_shared<DebugOptions>();
  auto* sys = debug->add_subcommand("system", "Print the probed system facts and where each came from");
  sys_opts->system.add_to(*sys);
  sys->callback([sys_opts]() {
    auto [system, selected] = sys_opts->system.resolve();
    nlohmann::ordered_json j = {
        {"cpu", system.cpu},
        {"os", system.os},
        {"torch", system.torch_version_full ? nlohmann::ordered_json(*system.torch_version_full) : nullptr},
        {"cxx11_abi", system.torch_cxx11_abi ? nlohmann::ordered_json(*system.torch_cxx11_abi) : nullptr},
        {"tvm_ffi", system.tvm_ffi_version_full ? nlohmann::ordered_json(*system.tvm_ffi_version_full) : nullptr},
        {"backend", system.backend.variant_str()},
        {"selected_backend", selected.variant_str()},
        {"sources", system.sources},
    };
    print_out(log::escape_json_output(j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace)) + "\n");
  });

  auto res_opts = std::make_shared<DebugOptions>();
  auto* res = debug->add_subcommand("resolve", "Decide the given variant names for this system (upstream trace)");
  res->add_option("variants", res_opts->variants, "Variant names (or one comma-separated list)")->required();
  res_opts->system.add_to(*res);
  res->callback([res_opts]() {
    auto [system, selected] = res_opts->system.resolve();
    std::vector<variant::Variant> parsed;
    for (const auto& arg : res_opts->variants) {
      std::size_t start = 0;
      while (start <= arg.size()) {
        auto comma = arg.find(',', start);
        auto name = arg.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!name.empty()) {
          std::string error;
          if (auto v = variant::try_parse(name, &error))
            parsed.push_back(*v);
          else
            fmt::print(stderr, "warning: skipping invalid variant '{}': {}\n", log::escape_controls(name),
                       log::escape_controls(error));
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
    auto trace = variant::resolve(parsed, system, selected);
    print_out(variant::trace_str(trace) + "\n");
  });
}

}  // namespace kcpp::cli
