#pragma once
// kernels-hub subcommands: each file declares its flags on the app and returns a runner
// that main calls after parsing (so CLI11's own errors go through main's printer).
#include <CLI/CLI.hpp>
#include <functional>

namespace kcpp::hub_cli {

using Runner = std::function<int()>;

// `serve`: run the HTTP server until SIGINT/SIGTERM.
Runner add_serve(CLI::App& app);
// `commit`: commit a local folder as the whole tree of a branch.
Runner add_commit(CLI::App& app);
// `branch`: create a branch (or tag / PR ref) at an existing revision.
Runner add_branch(CLI::App& app);

}  // namespace kcpp::hub_cli
