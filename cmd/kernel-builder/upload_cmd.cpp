// `kernel-builder upload [KERNEL_DIR]` and `build-and-upload [KERNEL_DIR]`: flags as
// upstream (upstream: kernel-builder/src/upload.rs); the work is in lib/publish (and lib/builder).
#include <unistd.h>

#include <fmt/core.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "builder/build.hpp"
#include "commands.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/fs.hpp"
#include "publish/progress.hpp"
#include "publish/uploader.hpp"
#include "variant/system.hpp"
#include "hub/client_factory.hpp"

namespace kcpp::builder_cli {
namespace fs = std::filesystem;

namespace {

struct UploadFlags {
  std::string kernel_dir;
  std::optional<std::string> repo_id;
  std::optional<std::string> branch;
  bool private_repo = false;
  std::string repo_type = "kernel";
  bool create_pr = false;
  std::optional<std::string> output_json;
  bool quiet = false;
  std::optional<std::string> variant;  // build-and-upload only

  void add_to(CLI::App* sub) {
    sub->add_option("KERNEL_DIR", kernel_dir, "Directory of the kernel (default: current directory)");
    sub->add_option("--repo-id", repo_id, "Hub repository (default: general.hub.repo-id of build.toml)");
    sub->add_option("--branch", branch, "Branch to upload to (default: general.hub.branch, else v{version})");
    sub->add_flag("--private", private_repo, "Create the repository as private");
    sub->add_option("--repo-type", repo_type, "Repository type: kernel (default) or model")
        ->check(CLI::IsMember({"kernel", "model"}));
    sub->add_flag("--create-pr", create_pr, "Open a pull request instead of committing to the branch");
    sub->add_option("--output-json", output_json, "Write a JSON summary of the upload to PATH");
    sub->add_flag("-q,--quiet", quiet, "No progress output");
  }
};

// Absolute: the upload reads build.toml, variants and git provenance relative to it.
fs::path kernel_dir_of(const std::string& arg) { return fs::canonical(builder::kernel_dir_argument(arg)); }

void run_upload(const UploadFlags& f, const fs::path& dir, const variant::System& system) {
  publish::UploadOptions o;
  o.kernel_dir = dir;
  o.repo_id = f.repo_id;
  o.branch = f.branch;
  o.private_repo = f.private_repo;
  o.repo_type = hub::parse_repo_type(f.repo_type);
  o.create_pr = f.create_pr;

  const bool bar_wanted = !f.quiet && ::isatty(2) == 1;
  auto bar = std::make_shared<publish::UploadProgressBar>();
  publish::UploadEvents ev;
  ev.message = [](const std::string& line) { fmt::print(stderr, "{}\n", log::escape_lines(line)); };
  if (bar_wanted) {
    ev.branch_started = [bar](const std::string& b, std::size_t n) { bar->start(b, n); };
    ev.progress = [bar](const hub::UploadProgress& p) { bar->update(p); };
    ev.branch_finished = [bar](const std::string& b, bool pr) { bar->finish(b, pr); };
  } else if (!f.quiet) {
    ev.branch_finished = [](const std::string& b, bool pr) {
      if (pr)
        fmt::print(stderr, "Opened pull request against `{}`\n", b);
      else
        fmt::print(stderr, "Uploaded to `{}`\n", b);
    };
  }

  const auto client = hub::client_from_env(variant::user_agent_facts(system));
  const auto outcome = publish::upload(client, o, ev);
  switch (outcome.status) {
    case publish::UploadStatus::no_changes:
      fmt::print(stderr, "No changes to upload.\n");
      break;
    case publish::UploadStatus::pull_request_created:
      for (const auto& pr : outcome.pull_requests)  // the URL is the Hub's answer: escaped
        fmt::print("Pull request created: {}\n", log::escape_controls(pr.url));
      break;
    case publish::UploadStatus::uploaded:
      if (outcome.url) fmt::print("Kernel uploaded: {}\n", log::escape_controls(*outcome.url));
      break;
  }
  std::fflush(stdout);
  if (f.output_json) {
    try {
      kcpp::fs::atomic_write(*f.output_json, publish::outcome_json(outcome));
    } catch (const std::exception& e) {
      throw Error(ErrorKind::io, fmt::format("Cannot write the upload result to `{}`", *f.output_json)).cause(e.what());
    }
  }
}

}  // namespace

void register_upload(CLI::App& app) {
  auto upload_flags = std::make_shared<UploadFlags>();
  auto* upload = app.add_subcommand("upload", "Upload the build variants of a kernel to the Hub");
  upload_flags->add_to(upload);
  upload->callback([upload_flags] {
    const fs::path dir = kernel_dir_of(upload_flags->kernel_dir);
    run_upload(*upload_flags, dir, variant::probe());
  });

  auto bu_flags = std::make_shared<UploadFlags>();
  auto* bu = app.add_subcommand("build-and-upload", "Build the kernel for this machine, then upload it");
  bu_flags->add_to(bu);
  bu->add_option("--variant", bu_flags->variant, "Build this variant (must be buildable on this machine)");
  bu->callback([bu_flags] {
    const fs::path dir = kernel_dir_of(bu_flags->kernel_dir);
    const auto system = variant::probe();
    builder::BuildOptions bo;
    bo.kernel_dir = dir;
    bo.variant = bu_flags->variant;
    builder::build_kernel(bo, system);
    run_upload(*bu_flags, dir, system);
  });
}

}  // namespace kcpp::builder_cli
