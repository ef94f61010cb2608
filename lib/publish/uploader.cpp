#include "publish/uploader.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <map>

#include "builder/build_toml.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "publish/upload_plan.hpp"
#include "publish/variants.hpp"

namespace kcpp::publish {
namespace fs = std::filesystem;

namespace {

constexpr const char* kMainBranch = "main";
constexpr const char* kHubUrl = "https://huggingface.co/";
constexpr const char* kCommunityUrl = "https://huggingface.co/spaces/kernels-community/README/discussions/new";

std::string_view status_name(UploadStatus s) {
  switch (s) {
    case UploadStatus::no_changes: return "no_changes";
    case UploadStatus::uploaded: return "uploaded";
    case UploadStatus::pull_request_created: return "pull_request_created";
  }
  return "uploaded";
}

void say(const UploadEvents& events, const std::string& line) {
  if (events.message) events.message(line);
}

struct Target {
  std::string repo_id;
  std::optional<std::string> branch;
};

// Repo id and branch from the flags, else build.toml, else the variants' metadata.
Target resolve_target(const UploadOptions& o, const std::vector<fs::path>& variants) {
  std::optional<builder::BuildConfig> config;
  std::optional<Error> config_error;
  try {
    config = builder::read_build_toml(o.kernel_dir / "build.toml");
  } catch (const Error& e) {
    config_error = e;
  }
  Target t;
  t.branch = o.branch;
  if (!t.branch && config) t.branch = config->general.hub_branch;
  if (o.repo_id) {
    t.repo_id = *o.repo_id;
  } else if (!config) {
    Error e(ErrorKind::usage, "--repo-id is not provided and cannot parse build.toml.");
    if (config_error) e.cause(config_error->what());
    throw std::move(e).hint("pass --repo-id NAMESPACE/NAME");
  } else if (!config->general.hub_repo_id) {
    throw Error(ErrorKind::usage, "No `general.hub.repo-id` in build.toml. Use --repo-id to specify it.")
        .hint("add `[general.hub]` with `repo-id = \"namespace/name\"` to build.toml");
  } else {
    t.repo_id = *config->general.hub_repo_id;
  }
  if (!t.branch) t.branch = branch_from_metadata(variants);
  return t;
}

// kernel-builder takes the canonical id from the URL create_repo returns (the Hub may
// fix the case of a namespace); any other endpoint keeps the id as given.
std::string canonical_repo_id(const std::string& url, const std::string& given) {
  std::string u = url;
  while (!u.empty() && u.back() == '/') u.pop_back();
  if (!u.starts_with(kHubUrl)) return given;
  u = u.substr(std::string_view(kHubUrl).size());
  if (u.starts_with("kernels/")) u = u.substr(8);
  return u;
}

std::string ensure_repo(const hub::HubClient& client, const UploadOptions& o, const hub::RepoId& repo) {
  try {
    return canonical_repo_id(client.create_repo(o.repo_type, repo, o.private_repo, /*exist_ok=*/true), repo.str());
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::forbidden) {
      bool logged_in = false;
      try {
        client.whoami();
        logged_in = true;
      } catch (const Error&) {
      }
      if (logged_in) throw Error(ErrorKind::forbidden, publishing_guidance(repo.str()));
    }
    throw e.in_context("Cannot create repository");
  }
}

// Creates BRANCH when missing; returns whether it was created.
bool ensure_branch(const hub::HubClient& client, const UploadOptions& o, const hub::RepoId& repo,
                   const std::string& branch) {
  const auto refs = client.list_refs(o.repo_type, repo);
  for (const auto& b : refs.branches)
    if (b.name == branch) return false;
  try {
    // exist_ok: the branch was missing a moment ago, so an existing one now is ours (a retry
    // after a lost answer) or a concurrent creation from the same main; both are fine.
    client.create_branch(o.repo_type, repo, branch, std::nullopt, /*exist_ok=*/true);
  } catch (const Error& e) {
    throw e.in_context(o.create_pr ? fmt::format("Pull requests can only target an existing branch. Ask a "
                                                 "maintainer of `{}` to create the branch `{}` first.",
                                                 repo.str(), branch)
                                   : fmt::format("Cannot create branch `{}`", branch));
  }
  return true;
}

std::vector<std::string> remote_files(const hub::HubClient& client, const UploadOptions& o, const hub::RepoId& repo,
                                      const std::string& branch) {
  std::vector<std::string> files;
  try {
    for (const auto& e : client.list_tree(o.repo_type, repo, branch, "", /*recursive=*/true))
      if (e.kind == hub::TreeEntry::Kind::file) files.push_back(e.path);
  } catch (const Error& e) {
    // As upstream: a tree that cannot be listed means nothing to delete.
    spdlog::debug("cannot list the tree of {}@{}: {}", repo.str(), branch, e.what());
  }
  return files;
}

std::string web_base(const hub::HubClient& client) {
  const std::string& endpoint = client.settings().endpoint;
  return endpoint == hub::kDefaultEndpoint ? std::string("https://hf.co") : endpoint;
}

std::string pr_url_for(const hub::HubClient& client, hub::RepoType type, const std::string& repo_id, int num) {
  return fmt::format("{}/{}{}/discussions/{}", web_base(client), hub::url_prefix(type), repo_id, num);
}

// The refs/pr/N and URL of the pull request a create_pr commit opened.
std::pair<std::string, std::string> resolve_pr(const hub::HubClient& client, const UploadOptions& o,
                                               const hub::RepoId& repo, const hub::CommitResult& r) {
  if (r.pr_num) {
    return {fmt::format("refs/pr/{}", *r.pr_num), r.pr_url ? *r.pr_url : pr_url_for(client, o.repo_type, repo.str(), *r.pr_num)};
  }
  const auto refs = client.list_refs(o.repo_type, repo, /*include_prs=*/true);
  for (const auto& pr : refs.pull_requests) {
    if (pr.target_commit != r.commit_oid) continue;
    const std::string num = pr.ref.substr(pr.ref.rfind('/') + 1);
    return {pr.ref, pr_url_for(client, o.repo_type, repo.str(), std::stoi(num))};
  }
  throw Error(ErrorKind::failure, fmt::format("No pull-request ref points at the created commit `{}`", r.commit_oid));
}

}  // namespace

std::string publishing_guidance(const std::string& repo_id) {
  return fmt::format(
      "You do not have permission to publish the kernel `{}`.\n\n"
      "Publishing kernels to the Hugging Face Hub requires approval. To request access,\n"
      "open a discussion on the `kernels-community` organization:\n\n"
      "    {}\n\n"
      "In the discussion, please include:\n"
      "  - Confirmation that you already have a working, built kernel.\n"
      "  - The source URI / code for the kernel.\n"
      "  - The kernel's purpose and where it fits in the ecosystem (which models or\n"
      "    libraries benefit from it).\n"
      "  - Benchmark numbers, if available.\n\n"
      "Providing this information helps the team review your request and grant access.",
      repo_id, kCommunityUrl);
}

std::string outcome_json(const UploadOutcome& outcome) {
  nlohmann::ordered_json j;
  j["status"] = status_name(outcome.status);
  j["repo_id"] = outcome.repo_id;
  j["branch"] = outcome.branch ? nlohmann::ordered_json(*outcome.branch) : nlohmann::ordered_json(nullptr);
  j["url"] = outcome.url ? nlohmann::ordered_json(*outcome.url) : nlohmann::ordered_json(nullptr);
  j["pull_requests"] = nlohmann::ordered_json::array();
  for (const auto& pr : outcome.pull_requests) j["pull_requests"].push_back({{"branch", pr.branch}, {"url", pr.url}});
  // The URLs are the Hub's answers: never a throw on invalid UTF-8, never a raw control.
  return log::escape_json_output(j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace)) + "\n";
}

UploadOutcome upload(const hub::HubClient& client, const UploadOptions& o, const UploadEvents& events) {
  const BuildVariants found = discover_variants(o.kernel_dir);
  say(events, fmt::format("Found {} build variant(s) in {}", found.variants.size(), found.build_dir.string()));
  if (auto dirty = dirty_variant_names(found.variants); !dirty.empty()) {
    say(events, fmt::format("warning: uploading {} build variant(s) built from a dirty git tree (uncommitted "
                            "changes): {}. Their recorded git revision does not fully identify the sources they "
                            "were built from, so the build may not be reproducible.",
                            dirty.size(), fmt::join(dirty, ", ")));
  }

  Target target = resolve_target(o, found.variants);
  hub::RepoId repo = hub::parse_repo_id(target.repo_id);
  if (!o.create_pr) repo = hub::parse_repo_id(ensure_repo(client, o, repo));

  UploadOutcome outcome;
  outcome.repo_id = repo.str();
  outcome.branch = target.branch;

  std::map<std::string, std::vector<hub::CommitOperation>> by_branch;  // BTreeMap order, as upstream
  by_branch[kMainBranch] = plan_main_branch(found.build_dir);
  if (target.branch) {
    const bool created = ensure_branch(client, o, repo, *target.branch);
    say(events, fmt::format("Using branch `{}`{}", *target.branch, created ? " (new)" : ""));
    VersionBranchInput in;
    in.build = variant_files(found.build_dir, found.variants);
    for (const auto& v : found.variants) in.variant_names.push_back(v.filename().string());
    in.benchmarks = benchmark_files(o.kernel_dir);
    // A new branch starts as a copy of main, so it is listed too.
    in.existing_files = remote_files(client, o, repo, *target.branch);
    in.new_branch = created;
    auto& ops = by_branch[*target.branch];
    auto planned = plan_version_branch(in);
    ops.insert(ops.end(), planned.begin(), planned.end());
  }

  for (const auto& [branch, ops] : by_branch) {
    if (ops.empty()) continue;
    if (events.branch_started) events.branch_started(branch, ops.size());
    const auto chunks = batches(ops);
    std::optional<std::string> pr_revision;
    bool branch_changed = false;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      const bool open_pr = o.create_pr && !pr_revision;
      hub::CommitOptions co;
      co.summary = commit_message(i, chunks.size());
      co.create_pr = open_pr;
      co.lfs_parallelism = o.lfs_parallelism;
      co.on_progress = events.progress;
      hub::CommitResult r;
      try {
        r = client.create_commit(o.repo_type, repo, pr_revision.value_or(branch), chunks[i], co);
      } catch (const Error& e) {
        throw e.in_context(fmt::format("Cannot create commit on branch `{}`", branch));
      }
      outcome.files_uploaded += r.files_uploaded_lfs + r.files_inline;
      outcome.files_unchanged += r.files_skipped;
      outcome.files_deleted += r.deletions;
      if (!r.committed) continue;
      branch_changed = true;
      ++outcome.commits;
      if (open_pr) {
        auto [ref, url] = resolve_pr(client, o, repo, r);
        pr_revision = ref;
        outcome.pull_requests.push_back({branch, url});
      }
    }
    if (events.branch_finished && branch_changed) events.branch_finished(branch, o.create_pr);
  }

  if (outcome.commits == 0) {
    outcome.status = UploadStatus::no_changes;
  } else if (o.create_pr) {
    outcome.status = UploadStatus::pull_request_created;
  } else {
    outcome.status = UploadStatus::uploaded;
    outcome.url = fmt::format("{}/{}{}{}", web_base(client), hub::url_prefix(o.repo_type), outcome.repo_id,
                              target.branch ? "/tree/" + *target.branch : std::string());
  }
  return outcome;
}

}  // namespace kcpp::publish
