// `kernels`: list kernel versions and the variant that fits this machine, lock, download,
// inspect, check and benchmark kernels. Exit codes and error printing: cmd/shared/cli_main.
#include "cli_main.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Manage compute kernels from the Hugging Face Hub (kernels-cpp)", "kernels"};
  kcpp::cli_main::configure(app, "kernels");
  kcpp::cli::register_versions(app);
  kcpp::cli::register_debug(app);
  kcpp::cli::register_lock(app);
  kcpp::cli::register_download(app);
  kcpp::cli::register_info(app);
  kcpp::cli::register_check(app);
  kcpp::cli::register_benchmark(app);
  return kcpp::cli_main::run(app, argc, argv, "kernels");
}
