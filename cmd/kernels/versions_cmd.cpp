// `kernels versions REPO`: versions (branches v{N}) and their variants, accepted or
// rejected for this machine with the reason; the preferred one marked ✅.
#include <memory>

#include "commands.hpp"
#include "common.hpp"
#include "core/paths.hpp"
#include "hub/types.hpp"
#include "versions/versions.hpp"

namespace kcpp::cli {

namespace {
struct VersionsOptions {
  std::string repo_id;
  bool json = false;
  bool compact = false;
  SystemFlags system;
};
}  // namespace

void register_versions(CLI::App& app) {
  auto opts = std::make_shared<VersionsOptions>();
  auto* cmd = app.add_subcommand("versions", "Show kernel versions and which build variant fits this machine");
  cmd->add_option("repo_id", opts->repo_id, "The kernel repo ID, e.g. kernels-community/activation")->required();
  auto* json = cmd->add_flag("--json", opts->json, "Print a JSON report (versions, variants, decisions, system)");
  cmd->add_flag("--compact", opts->compact, "One line per version, variants sorted by name, ✅ on the preferred")
      ->excludes(json);
  opts->system.add_to(*cmd);
  cmd->callback([opts]() {
    auto repo = hub::parse_repo_id(opts->repo_id);
    auto [system, selected] = opts->system.resolve();
    auto client = make_client(system);
    auto report = client.settings().offline
                      ? versions::collect_offline(paths::kernels_cache(), repo, system, selected)
                      : versions::collect_online(client, repo, system, selected);
    if (opts->json)
      print_out(versions::render_json(report, system, selected));
    else if (opts->compact)
      print_out(versions::render_compact(report));
    else
      print_out(versions::render_text(report));
  });
}

}  // namespace kcpp::cli
