// Placeholder until the `check-abi` command lands: says so plainly and exits 1.
#include "commands.hpp"
#include "core/error.hpp"

namespace kcpp::builder_cli {
void register_check_abi(CLI::App& app) {
  auto* sub = app.add_subcommand("check-abi", "check-abi (not implemented yet)");
  sub->allow_extras();
  sub->callback([] { throw kcpp::Error(kcpp::ErrorKind::failure, "`kernel-builder check-abi` is not implemented yet"); });
}
}  // namespace kcpp::builder_cli
