#pragma once
// Maps a Hub HTTP response to a typed kcpp::Error, in huggingface_hub's order:
// X-Error-Code first (RevisionNotFound, EntryNotFound, GatedRepo, RepoNotFound), then the
// status. Messages name the repo, revision and path at fault and say what to do.
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
};

Error error_from_response(const HttpResponse& response, const std::string& method, const RequestContext& ctx);

}  // namespace kcpp::hub
