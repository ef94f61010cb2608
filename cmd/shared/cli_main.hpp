#pragma once
// What every kernels-cpp executable's main() shares: the global flags (--version, -v) and
// the one place that maps outcomes to exit codes — 0 ok, 1 failure, 2 usage — and prints
// errors (render_error: colour only on a terminal without NO_COLOR, tokens masked).
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace kcpp::cli_main {

// Sets up APP for TOOL: exactly one subcommand, global flags also after it (fallthrough),
// `--version` printing "TOOL (kernels-cpp) VERSION", and -v/--verbose (repeatable) raising
// the log level as it is parsed.
void configure(CLI::App& app, const std::string& tool);

// Parses ARGV (subcommand callbacks run during the parse), then runs AFTER_PARSE if given
// (its result is the exit code). --help/--version print and exit 0; parse errors are usage
// errors (exit 2) with a hint naming `TOOL --help`; a kcpp::Error exits with its code, any
// other exception with 1.
int run(CLI::App& app, int argc, char** argv, const std::string& tool,
        const std::function<int()>& after_parse = {});

// Asks run() to end the process with std::_Exit once the outcome is printed (stdout and
// stderr flushed), so that no static destructor runs: for a command that loaded a library
// whose destructors are unsafe to run in our process (torch, dlopen'ed beside our static
// CUDA runtime: their order is tested nowhere outside Python).
void skip_static_destructors();

}  // namespace kcpp::cli_main
