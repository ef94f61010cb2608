// kernels-hub commit / kernels-hub branch: write to the storage root directly (no server
// needed; safe while one is running, refs move atomically).
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>

#include "commands.hpp"
#include "server/local_import.hpp"
#include "server/storage.hpp"

namespace kcpp::hub_cli {

namespace {
struct RepoArgs {
  std::string root, repo_id, type = "kernel";
};

void add_repo_args(CLI::App* cmd, RepoArgs& args) {
  cmd->add_option("--root", args.root, "Storage root")->required();
  cmd->add_option("REPO_ID", args.repo_id, "Repository id, namespace/name")->required();
  cmd->add_option("--type", args.type, "Repository type")
      ->check(CLI::IsMember({"kernel", "model"}))
      ->capture_default_str();
}
}  // namespace

Runner add_commit(CLI::App& app) {
  auto args = std::make_shared<RepoArgs>();
  auto from = std::make_shared<std::string>();
  auto branch = std::make_shared<std::string>("main");
  auto message = std::make_shared<std::string>();
  auto* cmd =
      app.add_subcommand("commit", "Commit a local folder as the whole new tree of a branch; prints the commit id");
  add_repo_args(cmd, *args);
  cmd->add_option("--from", *from, "Folder whose content becomes the branch's tree")->required();
  cmd->add_option("--branch", *branch, "Branch to commit to (created if missing)")->capture_default_str();
  cmd->add_option("--message,-m", *message, "Commit message");

  return [args, from, branch, message]() {
    auto repo = server::RepoId::parse(server::parse_repo_type(args->type), args->repo_id);
    auto storage = server::open_local_storage(args->root);
    auto result = server::commit_directory(*storage, repo, *from, *branch, *message);
    spdlog::info("committed {} files ({} in LFS) to {} {}", result.files, result.lfs_files, repo.display(), *branch);
    std::cout << result.commit << std::endl;
    return 0;
  };
}

Runner add_branch(CLI::App& app) {
  auto args = std::make_shared<RepoArgs>();
  auto name = std::make_shared<std::string>();
  auto from = std::make_shared<std::string>("main");
  auto* cmd = app.add_subcommand(
      "branch", "Create a branch at a revision (NEW_BRANCH may also be a full refs/heads/X, refs/tags/X or refs/pr/N)");
  add_repo_args(cmd, *args);
  cmd->add_option("NEW_BRANCH", *name, "Name of the branch to create")->required();
  cmd->add_option("--from", *from, "Revision to branch from")->capture_default_str();

  return [args, name, from]() {
    auto repo = server::RepoId::parse(server::parse_repo_type(args->type), args->repo_id);
    auto storage = server::open_local_storage(args->root);
    std::string ref = name->rfind("refs/", 0) == 0 ? *name : server::branch_ref(*name);
    auto commit = storage->resolve_revision(repo, *from);
    storage->create_ref(repo, ref, commit.sha);
    std::cout << commit.sha << std::endl;
    return 0;
  };
}

}  // namespace kcpp::hub_cli
