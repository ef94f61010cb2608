// kernels-hub: a self-hostable Hugging Face Hub server (read API) for kernels and models.
// This file only wires the subcommands and maps errors to exit codes (0 ok, 1 failure,
// 2 usage); the work happens in lib/server.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "kcpp/build_info.hpp"

namespace {

int print_error(const kcpp::Error& e) {
  std::cerr << kcpp::render_error(e, kcpp::log::use_color(2)) << std::endl;
  return e.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kernels-hub: a self-hostable Hugging Face Hub server (read API) for kernel and model repos"};
  app.require_subcommand(1);
  app.fallthrough();  // -v works after the subcommand too
  app.set_version_flag("--version", kcpp::kToolVersion);
  int verbosity = 0;
  app.add_flag("-v,--verbose", verbosity, "More logging on stderr (-v info, -vv debug: one line per request)");

  kcpp::hub_cli::Runner serve = kcpp::hub_cli::add_serve(app);
  kcpp::hub_cli::Runner commit = kcpp::hub_cli::add_commit(app);
  kcpp::hub_cli::Runner branch = kcpp::hub_cli::add_branch(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    return print_error(kcpp::usage_error(e.what()).hint("see 'kernels-hub --help'"));
  }

  kcpp::log::setup(verbosity);
  try {
    if (app.got_subcommand("serve")) return serve();
    if (app.got_subcommand("commit")) return commit();
    if (app.got_subcommand("branch")) return branch();
    return kcpp::kExitUsage;
  } catch (const kcpp::Error& e) {
    return print_error(e);
  } catch (const std::exception& e) {
    return print_error(kcpp::Error(kcpp::ErrorKind::failure, e.what()));
  }
}
