#pragma once
// Each kernel-builder subcommand lives in its own file and registers itself on the app;
// callbacks throw kcpp::Error, which main() prints and maps to an exit code.
#include <CLI/CLI.hpp>

namespace kcpp::builder_cli {
void register_build(CLI::App& app);             // build, check-config, hash (build_cmd.cpp)
void register_upload(CLI::App& app);            // upload, build-and-upload (upload_cmd.cpp)
void register_check_abi(CLI::App& app);         // check-abi                (check_abi_cmd.cpp)
}  // namespace kcpp::builder_cli
