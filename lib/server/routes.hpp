#pragma once
// Internal: the read-API handlers. Each one answers a single Hub endpoint (see router.hpp
// for the URL table and /work/shared/spec/hub-api.md §2 for the shapes). Handlers throw
// kcpp::Error for failures; the caller (HubService) turns those into error responses.
#include <httplib.h>

#include <optional>
#include <string>

#include "server/auth.hpp"
#include "server/storage.hpp"

namespace kcpp::server {

// What a handler needs besides the request itself.
struct RequestContext {
  const httplib::Request& req;
  httplib::Response& res;
  RepoStorage& storage;
  std::string base_url;      // "http://host:port" as the client addressed us (Host header)
  std::string lfs_base_url;  // where LFS redirects point (the LFS listener, or --lfs-url)
  std::string raw_path;      // request path as sent, still percent-encoded
};

// Upper bound (and default) of entries per tree page, as on the Hub.
inline constexpr long kTreePageLimit = 1000;

void handle_refs(RequestContext& ctx, const RepoId& repo);
void handle_tree(RequestContext& ctx, const RepoId& repo, const std::string& revision, const std::string& path);
void handle_info(RequestContext& ctx, const RepoId& repo, const std::optional<std::string>& revision);
void handle_whoami(RequestContext& ctx, AuthState auth);
void handle_org_overview(RequestContext& ctx, const std::string& org, bool trusted);
void handle_resolve(RequestContext& ctx, const RepoId& repo, const std::string& revision, const std::string& path);
void handle_lfs_object(RequestContext& ctx, const std::string& oid);

}  // namespace kcpp::server
