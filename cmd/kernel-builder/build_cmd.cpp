// Placeholder until the `build` command lands: says so plainly and exits 1.
#include "commands.hpp"
#include "core/error.hpp"

namespace kcpp::builder_cli {
void register_build(CLI::App& app) {
  auto* sub = app.add_subcommand("build", "build (not implemented yet)");
  sub->allow_extras();
  sub->callback([] { throw kcpp::Error(kcpp::ErrorKind::failure, "`kernel-builder build` is not implemented yet"); });
}
}  // namespace kcpp::builder_cli
