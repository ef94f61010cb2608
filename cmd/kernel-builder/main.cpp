// kernel-builder: builds and publishes kernels. The build/upload commands arrive with
// issue #4; until then every subcommand says so plainly and exits 1.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "kcpp/build_info.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Build and publish compute kernels (kernels-cpp)", "kernel-builder"};
  app.set_version_flag("--version", std::string("kernel-builder (kernels-cpp) ") + kcpp::kToolVersion);
  app.require_subcommand(1);
  std::string dir;
  for (const char* name : {"build", "upload", "build-and-upload", "check-abi"}) {
    auto* sub = app.add_subcommand(name, std::string(name) + " a kernel project (not implemented yet)");
    sub->allow_extras();
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  fmt::print(stderr, "error: `kernel-builder {}` is not implemented yet in kernels-cpp\n",
             app.get_subcommands().front()->get_name());
  return 1;
}
