// `kernels check [REPO|PATH] [--revision R | --version N] [--variant V]… [--manylinux P]
// [--python-abi X.Y] [--macos X.Y] [--json] [--no-gpu]`: kernel compliance — layout,
// metadata.json, digest and the ABI of every shared object, per build variant
// (lib/check/check.hpp). Exit 0 compliant, 1 not compliant (or the check failed), 2 usage.
#include <fmt/core.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <system_error>

#include "check/check.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"
#include "hub/types.hpp"
#include "repo/version_branches.hpp"

namespace kcpp::cli {

namespace {

struct CheckFlags {
  std::string kernel = ".";
  std::optional<std::string> revision;
  std::optional<std::string> version;
  std::vector<std::string> variants;
  std::string manylinux = "manylinux_2_28";
  std::string python_abi = "3.9";
  std::string macos = "15.0";
  bool json = false;
  bool no_gpu = false;
  unsigned jobs = 8;
};

abi::Version version_flag(const std::string& flag, const std::string& text) {
  std::string why;
  auto v = abi::Version::parse(text, &why);
  if (!v)
    throw usage_error(fmt::format("invalid value for {}: '{}' ({})", flag, text, why))
        .hint(flag + " takes a version such as 3.9");
  return *v;
}

}  // namespace

void register_check(CLI::App& app) {
  auto flags = std::make_shared<CheckFlags>();
  auto* cmd = app.add_subcommand("check", "Check a kernel for compliance: layout, metadata, digest, ABI");
  cmd->add_option("kernel", flags->kernel, "Hub repo id (org/name) or local kernel directory (default: .)");
  cmd->add_option("--revision", flags->revision, "Hub revision: branch, tag or commit (not with --version)");
  cmd->add_option("--version", flags->version, "Hub kernel version N: branch vN (default: the highest)");
  cmd->add_option("--variant", flags->variants, "Only check this variant (repeatable: --variant A --variant B)")
      ->allow_extra_args(false);
  cmd->add_option("-m,--manylinux", flags->manylinux, "manylinux policy for ELF files (default manylinux_2_28)");
  cmd->add_option("-p,--python-abi", flags->python_abi, "Minimum Python for the stable ABI (default 3.9)");
  cmd->add_option("--macos", flags->macos, "Newest minimum macOS a Mach-O file may require (default 15.0)");
  cmd->add_flag("--json", flags->json, "Print the report as JSON");
  cmd->add_flag("--no-gpu", flags->no_gpu, "Do not ask the CUDA driver about this machine's GPUs");
  cmd->add_option("--jobs", flags->jobs, "Parallel downloads (Hub mode, default 8)")->check(CLI::Range(1u, 64u));
  cmd->callback([flags]() {
    check::CheckOptions options;
    options.variants = flags->variants;
    options.manylinux = flags->manylinux;
    options.python_abi = version_flag("--python-abi", flags->python_abi);
    options.macos = version_flag("--macos", flags->macos);
    options.revision = flags->revision;
    options.probe_gpu = !flags->no_gpu;
    options.jobs = flags->jobs;
    if (flags->version) options.version = repo::version_argument(*flags->version, "--version");
    check::resolve_policy(options.manylinux);  // usage error before any work

    std::error_code ec;
    check::CheckReport report;
    if (std::filesystem::is_directory(flags->kernel, ec)) {
      report = check::check_local(flags->kernel, options);
    } else {
      const std::string& k = flags->kernel;
      if (k.empty() || k[0] == '.' || k[0] == '/' || k[0] == '~' || !hub::repo_id_problem(k).empty())
        throw usage_error(fmt::format("`{}` is neither a directory nor a Hub repo id", k))
            .hint("pass a local kernel directory (holding build/) or a repo id such as kernels-community/relu");
      auto repo = hub::parse_repo_id(k);
      auto [system, selected] = SystemFlags{}.resolve();
      auto client = make_client(system);
      report = check::check_hub(client, paths::kernels_cache(), repo, options);
    }
    print_out(flags->json ? check::render_json(report) : check::render_text(report));
    if (!report.compliant())
      throw Error(ErrorKind::failure, fmt::format("the kernel is not compliant ({} error{})", report.errors(),
                                                  report.errors() == 1 ? "" : "s"))
          .hint("each error above names its variant, file and rule, with a hint");
  });
}

}  // namespace kcpp::cli
