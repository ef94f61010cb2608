// kernel-builder: builds kernels with CMake/nvcc against the probed torch and publishes
// them to the Hub. Exit codes and error printing: cmd/shared/cli_main.
#include "cli_main.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Build and publish compute kernels (kernels-cpp)", "kernel-builder"};
  kcpp::cli_main::configure(app, "kernel-builder");
  kcpp::builder_cli::register_build(app);
  kcpp::builder_cli::register_upload(app);
  kcpp::builder_cli::register_check_abi(app);
  return kcpp::cli_main::run(app, argc, argv, "kernel-builder");
}
