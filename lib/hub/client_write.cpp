// HubClient write calls other than the commit: whoami (E13), create repo (E6), create and
// delete branch (E7). The commit itself is in commit.cpp and lfs_upload.cpp.
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/error.hpp"
#include "core/log.hpp"
#include "hub/client.hpp"
#include "hub/errors.hpp"
#include "hub/responses.hpp"

namespace kcpp::hub {

namespace {

using json = nlohmann::json;

// The Hub answers 409 "another conflicting operation is in progress" while it is still
// creating a repository of that name; huggingface_hub waits and asks again.
bool conflicting_operation(const HttpResponse& r) {
  return r.body.find("another conflicting operation is in progress") != std::string::npos;
}

}  // namespace

RequestContext HubClient::write_context(RepoType type, const RepoId& repo, std::optional<std::string> revision,
                                        std::string action) const {
  RequestContext ctx{repo, type, std::move(revision), std::nullopt, settings_.endpoint};
  ctx.write_action = std::move(action);
  ctx.has_token = settings_.token.has_value();
  return ctx;
}

WhoAmI HubClient::whoami() const {
  if (!settings_.token)
    throw Error(ErrorKind::unauthorized,
                fmt::format("no token is configured, so the Hub at {} cannot tell who you are", settings_.endpoint))
        .hint("set HF_TOKEN to a token with write access (or run `hf auth login`)");
  // Held across the request: concurrent callers wait for one answer instead of each
  // spending the endpoint's small rate limit.
  std::lock_guard<std::mutex> lock(whoami_cache_->mu);
  if (whoami_cache_->value) return *whoami_cache_->value;
  HttpRequest req;
  req.url = settings_.endpoint + "/api/whoami-v2";
  RequestContext ctx = write_context(RepoType::model, RepoId{}, std::nullopt, "look up the token's account on");
  ctx.subject = "the Hub";
  const std::string url = req.url;
  WhoAmI who = parse_whoami(send(std::move(req), ctx).body, url);
  whoami_cache_->value = who;
  return who;
}

std::string HubClient::create_repo(RepoType type, const RepoId& repo, bool private_repo, bool exist_ok) const {
  // kernel-builder's body (docs/hub-api.md E6): `private` always, `organization` = the namespace.
  json body{{"name", repo.name}, {"organization", repo.ns}, {"type", type_name(type)}, {"private", private_repo}};
  const std::string fallback_url = fmt::format("{}/{}{}", settings_.endpoint, url_prefix(type), repo.str());
  RequestContext ctx = write_context(type, repo, std::nullopt, "create");
  // With exist_ok a creation may be sent again: if the first one was applied and only its
  // answer was lost, the retry's 409 means "exists", which is success. Without it, a retry
  // would turn our own success into a conflict.
  SendOptions options{false, exist_ok ? RetryMode::transient : RetryMode::unsent_only, {409}, std::nullopt};
  constexpr int kConflictRetries = 5;
  for (int attempt = 0;; ++attempt) {
    HttpRequest req;
    req.method = "POST";
    req.url = settings_.endpoint + "/api/repos/create";
    req.headers = {{"Content-Type", "application/json"}};
    req.body = body.dump();
    HttpResponse r;
    try {
      r = send(std::move(req), ctx, options);
    } catch (const Error& e) {
      // huggingface_hub: a 403 with exist_ok is fine when the repository is already there
      // (an account may write to a repo in a namespace where it cannot create repos).
      if (!exist_ok || e.kind() != ErrorKind::forbidden) throw;
      bool exists = false;
      try {
        exists = repo_exists(type, repo);
      } catch (const Error&) {
      }
      if (!exists) throw;
      return fallback_url;
    }
    if (r.status != 409) return parse_create_repo(r.body, fallback_url, /*lenient=*/false, r.url);
    if (conflicting_operation(r) && attempt < kConflictRetries) {
      std::this_thread::sleep_for(std::chrono::duration<double>(backoff_delay_s(settings_.retry, attempt + 1, std::nullopt, 0.5)));
      continue;
    }
    if (!exist_ok) {
      Error e = error_from_response(r, "POST", ctx);
      Error out(ErrorKind::conflict, fmt::format("{} repository '{}' already exists on {}", type_name(type), repo.str(),
                                                 settings_.endpoint));
      for (const auto& c : e.causes()) out.cause(c);
      throw std::move(out).hint("use it as it is (exist_ok), or pick another name");
    }
    return parse_create_repo(r.body, fallback_url, /*lenient=*/true, r.url);
  }
}

void HubClient::create_branch(RepoType type, const RepoId& repo, const std::string& branch,
                              const std::optional<std::string>& starting_point, bool exist_ok) const {
  if (branch.empty()) throw usage_error("the branch name is empty");
  json body = json::object();
  if (starting_point) body["startingPoint"] = *starting_point;
  HttpRequest req;
  req.method = "POST";
  req.url = fmt::format("{}/branch/{}", api_url(type, repo), encode_component(branch));
  req.headers = {{"Content-Type", "application/json"}};
  req.body = body.dump();
  RequestContext ctx = write_context(type, repo, starting_point, fmt::format("create the branch '{}' in", branch));
  HttpResponse r;
  try {
    // Retried only with exist_ok, for the reason create_repo gives.
    r = send(std::move(req), ctx,
             SendOptions{false, exist_ok ? RetryMode::transient : RetryMode::unsent_only, {409}, std::nullopt});
  } catch (const Error& e) {
    // huggingface_hub: with exist_ok a 403 is fine when the branch is already there.
    if (!exist_ok || e.kind() != ErrorKind::forbidden) throw;
    bool listed = false;
    try {
      for (const auto& b : list_refs(type, repo).branches) listed = listed || b.name == branch;
    } catch (const Error&) {
    }
    if (!listed) throw;
    return;
  }
  if (r.status != 409 || exist_ok) return;
  Error e = error_from_response(r, "POST", ctx);
  Error out(ErrorKind::conflict, fmt::format("the branch '{}' already exists in {} repository '{}'", branch,
                                             type_name(type), repo.str()));
  for (const auto& c : e.causes()) out.cause(c);
  throw std::move(out).hint("commit to it, or delete it first");
}

void HubClient::delete_branch(RepoType type, const RepoId& repo, const std::string& branch) const {
  if (branch.empty()) throw usage_error("the branch name is empty");
  HttpRequest req;
  req.method = "DELETE";
  req.url = fmt::format("{}/branch/{}", api_url(type, repo), encode_component(branch));
  RequestContext ctx = write_context(type, repo, branch, fmt::format("delete the branch '{}' in", branch));
  send(std::move(req), ctx, SendOptions{false, RetryMode::unsent_only, {}, std::nullopt});
}

}  // namespace kcpp::hub
