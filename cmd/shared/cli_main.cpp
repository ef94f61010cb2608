#include "cli_main.hpp"

#include <fmt/core.h>

#include <cstdio>
#include <cstdlib>

#include "core/error.hpp"
#include "core/log.hpp"
#include "kcpp/build_info.hpp"

namespace kcpp::cli_main {

namespace {
bool g_skip_static_destructors = false;

int finish(int code) {
  if (!g_skip_static_destructors) return code;
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(code);
}
}  // namespace

void skip_static_destructors() { g_skip_static_destructors = true; }

void configure(CLI::App& app, const std::string& tool) {
  app.set_version_flag("--version", tool + " (kernels-cpp) " + kToolVersion);
  app.require_subcommand(1);
  app.fallthrough();  // global flags (-v) also work after the subcommand
  log::setup(0);
  app.add_flag_function(
      "-v,--verbose", [](std::int64_t count) { log::setup(static_cast<int>(count)); },
      "More logging on stderr (-vv for debug)");
}

int run(CLI::App& app, int argc, char** argv, const std::string& tool, const std::function<int()>& after_parse) {
  const bool color = log::use_color(2);
  auto print = [&](const Error& e) {
    fmt::print(stderr, "{}\n", render_error(e, color));
    std::fflush(stderr);
    return e.exit_code();
  };
  try {
    app.parse(argc, argv);
    return finish(after_parse ? after_parse() : kExitOk);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --help-all, --version
    return print(usage_error(e.what()).hint(fmt::format("run `{} --help` for usage", tool)));
  } catch (const Error& e) {
    return finish(print(e));
  } catch (const std::exception& e) {
    return finish(print(Error(ErrorKind::failure, e.what())));
  }
}

}  // namespace kcpp::cli_main
