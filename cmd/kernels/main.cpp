// `kernels`: list kernel versions and the variant that fits this machine (and, as later
// issues land: lock, download, check, benchmark). main() is the one place that maps errors
// to exit codes: 0 ok, 1 failure, 2 usage.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "commands.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "kcpp/build_info.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Manage compute kernels from the Hugging Face Hub (kernels-cpp)", "kernels"};
  app.set_version_flag("--version", std::string("kernels (kernels-cpp) ") + kcpp::kToolVersion);
  app.require_subcommand(1);
  app.fallthrough();  // global flags (-v) also work after the subcommand
  kcpp::log::setup(0);
  app.add_flag_function(
      "-v,--verbose", [](std::int64_t count) { kcpp::log::setup(static_cast<int>(count)); },
      "More logging on stderr (-vv for debug)");

  kcpp::cli::register_versions(app);
  kcpp::cli::register_debug(app);
  kcpp::cli::register_lock(app);
  kcpp::cli::register_download(app);
  kcpp::cli::register_info(app);
  kcpp::cli::register_check(app);
  kcpp::cli::register_benchmark(app);

  const bool color = kcpp::log::use_color(2);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    auto err = kcpp::usage_error(e.what()).hint("run `kernels --help` for usage");
    fmt::print(stderr, "{}\n", kcpp::render_error(err, color));
    return kcpp::kExitUsage;
  } catch (const kcpp::Error& e) {
    fmt::print(stderr, "{}\n", kcpp::render_error(e, color));
    return e.exit_code();
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", kcpp::render_error(kcpp::Error(kcpp::ErrorKind::failure, e.what()), color));
    return kcpp::kExitFailure;
  }
  return kcpp::kExitOk;
}
