#pragma once
// Internal: the read-API handlers. Each one answers a single Hub endpoint (see router.hpp
// for the URL table and docs/hub-api.md for the shapes). Handlers throw
// kcpp::Error for failures; the caller (HubService) turns those into error responses.
#include <httplib.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "server/auth.hpp"
#include "server/storage.hpp"
#include "server/streamed_body.hpp"

namespace kcpp::server {

// What a handler needs besides the request itself.
struct RequestContext {
  const httplib::Request& req;
  httplib::Response& res;
  RepoStorage& storage;
  std::string base_url;      // the configured public base URL (never the request's Host)
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

// Write API (routes_write.cpp). Callers check the bearer token first (except for the LFS
// upload PUT, which is authorised by the ticket in its URL, as a presigned URL would be).

// Permissions to PUT one LFS object, handed out by the batch endpoint: clients PUT to the
// href without credentials (huggingface_hub sends none), so the href carries them. Like a
// presigned URL, a ticket stays valid after a successful PUT (a retry after a lost answer
// must not be refused); the oldest are evicted beyond a fixed number.
class UploadTickets {
 public:
  std::string issue(const std::string& oid, std::uint64_t size);
  // True when TICKET was issued for OID and SIZE (and not consumed or evicted since).
  bool check(const std::string& ticket, const std::string& oid, std::uint64_t size) const;
  void consume(const std::string& ticket);

 private:
  struct Entry {
    std::string oid;
    std::uint64_t size;
    std::uint64_t serial;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> tickets_;
  std::uint64_t next_serial_ = 0;
};

struct WriteContext {
  UploadTickets& tickets;
  std::string user = "kernels-hub";  // namespace for repos created without an organization
  // The request body still on the wire, for the handlers that stream it (LFS upload, commit);
  // null for requests whose body httplib has already read into Request::body.
  StreamedBody* body = nullptr;
};

// "BASE/[kernels/]NS/NAME": the repository's page URL, on the configured base.
std::string repo_url(const RequestContext& ctx, const RepoId& repo);

void handle_create_repo(RequestContext& ctx, WriteContext& w);
// Reads the NDJSON body from w.body while it arrives (routes_commit.cpp): inline files go to
// blobs or the LFS store as they come, so the body is never held in memory.
void handle_commit(RequestContext& ctx, WriteContext& w, const RepoId& repo, const std::string& revision);
void handle_preupload(RequestContext& ctx, const RepoId& repo, const std::string& revision);
void handle_branch(RequestContext& ctx, const RepoId& repo, const std::string& branch);
void handle_lfs_batch(RequestContext& ctx, WriteContext& w, const RepoId& repo);
void handle_lfs_verify(RequestContext& ctx, const RepoId& repo);
// Streams w.body into the LFS store (never whole in memory): the ticket and size from the URL
// are checked before the first byte is read, the bytes are hashed on their way to a temp
// file, and only content matching the oid and size is published under the oid.
void handle_lfs_upload(RequestContext& ctx, WriteContext& w, const std::string& oid);

}  // namespace kcpp::server
