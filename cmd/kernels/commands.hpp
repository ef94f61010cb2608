#pragma once
// Each subcommand lives in its own file and registers itself on the app; the callback
// does the work (errors propagate to main, which prints them and picks the exit code).
#include <CLI/CLI.hpp>

namespace kcpp::cli {
void register_versions(CLI::App& app);
void register_debug(CLI::App& app);
void register_lock(CLI::App& app);
void register_download(CLI::App& app);
void register_info(CLI::App& app);
void register_check(CLI::App& app);
void register_benchmark(CLI::App& app);
}  // namespace kcpp::cli
