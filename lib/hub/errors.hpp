#pragma once
// Maps a Hub HTTP response to a typed kcpp::Error, in huggingface_hub's order:
// X-Error-Code first (RevisionNotFound, EntryNotFound, GatedRepo, RepoNotFound), then the
// status. Messages name the repo, revision and path at fault and say what to do.
// Write calls (RequestContext::write_action set) get their own wording for 400/401/403/
// 404/409/412/422/5xx: "no token" versus "token rejected", "no write access", "create the
// branch first", "the branch moved; re-run" (kinds conflict and precondition_failed for
// 409 and 412).
#include <optional>
#include <string>

#include "core/error.hpp"
#include "hub/http.hpp"
#include "hub/types.hpp"

namespace kcpp::hub {

struct RequestContext {
  RepoId repo;
  RepoType type = RepoType::kernel;
  std::optional<std::string> revision;
  std::optional<std::string> path;
  std::string endpoint;
  // What the request is about when it is not a repository (e.g. "organization 'org'").
  std::optional<std::string> subject = std::nullopt;
  // Set for write calls: what was attempted, as a verb phrase completed by the repo
  // ("create a commit on", "create the branch 'v1' in").
  std::optional<std::string> write_action = std::nullopt;
  // Whether the request carried a token (tells "no token" from "token rejected").
  bool has_token = false;
};

Error error_from_response(const HttpResponse& response, const std::string& method, const RequestContext& ctx);

}  // namespace kcpp::hub
