// `kernels info REPO|PATH [--revision R | --version N] [--json]`: name, version, license,
// sources, Python dependencies and backends of a kernel, from a local kernel directory
// (when PATH is a directory) or from a Hub repo (lib/info/info.hpp says which revision and
// which variant's metadata.json).
#include <filesystem>
#include <memory>
#include <optional>
#include <system_error>

#include "commands.hpp"
#include "common.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"
#include "hub/types.hpp"
#include "info/info.hpp"
#include "repo/version_branches.hpp"

namespace kcpp::cli {

namespace {
struct InfoOptions {
  std::string kernel;
  std::optional<std::string> revision;
  std::optional<std::string> version;  // Python int() text, checked in the callback
  bool json = false;
};
}  // namespace

void register_info(CLI::App& app) {
  auto opts = std::make_shared<InfoOptions>();
  auto* cmd = app.add_subcommand("info", "Describe a kernel (local kernel directory or Hub repo)");
  cmd->add_option("kernel", opts->kernel, "The kernel repo ID or a local path to a kernel repository")->required();
  cmd->add_option("--revision", opts->revision,
                  "The kernel revision (branch, tag, or commit). Cannot be used together with --version.");
  cmd->add_option("--version", opts->version, "The kernel version. Cannot be used together with --revision.");
  cmd->add_flag("--json", opts->json, "Print the kernel information as JSON");
  cmd->callback([opts]() {
    std::optional<long> version;
    if (opts->version) version = repo::version_argument(*opts->version, "--version");
    std::error_code ec;
    info::KernelInfo result;
    if (std::filesystem::is_directory(opts->kernel, ec)) {
      if (opts->revision || opts->version)
        throw Error(ErrorKind::failure, "--revision and --version cannot be used with a local path")
            .hint("a local kernel directory has no revisions; drop the flag");
      result = info::collect_local(opts->kernel);
    } else {
      if (opts->revision && version)
        throw Error(ErrorKind::failure, "Only one of --revision or --version can be specified")
            .hint("--revision names a branch, tag or commit; --version N means branch vN");
      auto repo = hub::parse_repo_id(opts->kernel);
      auto [system, selected] = SystemFlags{}.resolve();
      auto client = make_client(system);
      result = info::collect_hub(client, paths::kernels_cache(), repo, opts->revision, version);
    }
    print_out(opts->json ? info::render_json(result) : info::render_text(result));
  });
}

}  // namespace kcpp::cli
