// kernels-hub: a self-hostable Hugging Face Hub server for kernel and model repos. This file
// only wires the subcommands; the work happens in lib/server. Exit codes and error
// printing: cmd/shared/cli_main.
#include "cli_main.hpp"
#include "commands.hpp"
#include "core/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"kernels-hub: a self-hostable Hugging Face Hub server for kernel and model repos", "kernels-hub"};
  kcpp::cli_main::configure(app, "kernels-hub");
  // The subcommands run after the parse (serving blocks until a signal).
  kcpp::hub_cli::Runner serve = kcpp::hub_cli::add_serve(app);
  kcpp::hub_cli::Runner commit = kcpp::hub_cli::add_commit(app);
  kcpp::hub_cli::Runner branch = kcpp::hub_cli::add_branch(app);
  return kcpp::cli_main::run(app, argc, argv, "kernels-hub", [&] {
    if (app.got_subcommand("serve")) return serve();
    if (app.got_subcommand("commit")) return commit();
    if (app.got_subcommand("branch")) return branch();
    return kcpp::kExitUsage;
  });
}
