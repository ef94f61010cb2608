#pragma once
// The Hub API calls the tools make (docs/hub-api.md E1–E4 reads, E6–E13 writes), with
// retries, typed errors and the Authorization header sent to the endpoint's host only.
// Stateless apart from its settings and the cached whoami answer: safe to call from
// several threads at once.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/http.hpp"
#include "hub/server_url.hpp"
#include "hub/settings.hpp"
#include "hub/types.hpp"
#include "hub/write.hpp"

namespace kcpp::hub {

struct PlannedAdd;       // commit_plan.hpp
class ProgressTracker;   // commit_plan.hpp

class HubClient {
 public:
  explicit HubClient(ClientSettings settings);

  const ClientSettings& settings() const noexcept { return settings_; }

  // E1: branches, tags (and pull requests when asked).
  Refs list_refs(RepoType type, const RepoId& repo, bool include_prs = false) const;

  // E2: entries under PATH ("" = root) at REVISION, following Link pagination.
  std::vector<TreeEntry> list_tree(RepoType type, const RepoId& repo, const std::string& revision,
                                   const std::string& path, bool recursive) const;

  // E3: repo info at REVISION (sha = the commit it resolves to).
  RepoInfo repo_info(RepoType type, const RepoId& repo, const std::string& revision) const;

  // E4 (HEAD): file metadata without following redirects.
  FileMetadata file_metadata(RepoType type, const RepoId& repo, const std::string& revision,
                             const std::string& path) const;

  // E4 (GET): streams the file's bytes, from byte OFFSET on, into SINK (return false to
  // abort). Follows the HEAD's redirect itself (checked by check_server_url), without
  // Authorization when the target is another origin. A transfer cut mid-body is resumed with
  // Range (bounded by the retry policy); a server that answers 200 to a Range request makes it
  // start over, after calling ON_RESTART (the caller truncates what it wrote). Waits between
  // attempts (backoff, Retry-After) add up to at most the policy's max_total_s since the last
  // byte arrived; attempts and bytes in all are bounded by download_budget() whatever the
  // progress, and an attempt cut by the low-speed rule is no progress.
  // The body may not outgrow EXPECTED_SIZE (the tree listing's or LFS pointer's size, when the
  // caller knows it), else the HEAD's size, else (size unknown) max_response_bytes: a longer
  // body is refused before it is written on, ON_RESTART discards what it wrote, and the error
  // is kcpp::Error(verification), as for a body that ends short. Returns the HEAD's metadata
  // (size = the size used).
  FileMetadata download_file(RepoType type, const RepoId& repo, const std::string& revision,
                             const std::string& path, const std::function<bool(std::string_view)>& sink,
                             std::uint64_t offset = 0, const std::function<void()>& on_restart = {},
                             std::optional<std::uint64_t> expected_size = std::nullopt) const;

  // E4 (GET) for a small file a command reads and throws away (metadata.json): one GET,
  // no HEAD first; redirects followed (Authorization only to the endpoint's origin).
  // kcpp::Error(parse) when the body is larger than MAX_BYTES.
  std::string fetch_small_file(RepoType type, const RepoId& repo, const std::string& revision,
                               const std::string& path, std::size_t max_bytes) const;

  // E14: whether the Hub marks ORG as a trusted kernel publisher (`trustedKernelPublisher`
  // of GET /api/organizations/{org}/overview, with Python truthiness, as kernels checks it).
  // Throws kcpp::Error when the answer cannot be had (404 for user namespaces, network).
  bool is_trusted_kernel_publisher(const std::string& org) const;

  // Whether the repository exists as TYPE (any HTTP answer but RepoNotFound counts).
  bool repo_exists(RepoType type, const RepoId& repo) const;

  // ---- Write API (client_write.cpp, commit.cpp, lfs_upload.cpp) --------------------
  // Errors are kcpp::Error with write wording (errors.hpp): unauthorized (401: no token /
  // token rejected, hint HF_TOKEN or `hf auth login`), forbidden (403: no write access),
  // repo_not_found / revision_not_found (404), conflict (409), precondition_failed (412),
  // http (400/422 and others). Tokens never appear in messages.

  // E13: the token's account. Cached per client (copies share the cache); the Hub
  // rate-limits this endpoint. Throws unauthorized at once when no token is configured.
  WhoAmI whoami() const;

  // E6: creates the repository; returns its URL from the answer. With EXIST_OK a 409
  // (already exists) returns the URL from the 409 body (or the endpoint's repo URL when
  // it has none), and a 403 succeeds when the repository already exists (huggingface_hub).
  std::string create_repo(RepoType type, const RepoId& repo, bool private_repo, bool exist_ok) const;

  // E7: creates BRANCH at STARTING_POINT (a revision or commit; default: the head of
  // main). With EXIST_OK an existing branch (409, or 403 while it is listed) is success.
  void create_branch(RepoType type, const RepoId& repo, const std::string& branch,
                     const std::optional<std::string>& starting_point, bool exist_ok) const;
  // E7 (DELETE).
  void delete_branch(RepoType type, const RepoId& repo, const std::string& branch) const;

  // E9 + E10 + E12: one commit of OPS to REVISION (a branch, or refs/pr/N of an open PR).
  // Hashes the added files (in parallel), asks the server which go to LFS (preupload, 256
  // files per request; empty files always inline; shouldIgnore files dropped; with
  // skip_unchanged, adds whose oid equals the remote one dropped), uploads the LFS objects
  // the store lacks (basic transfer, up to lfs_parallelism PUTs at once, streamed from
  // disk, each restarted from byte 0 on transient failures), then posts the NDJSON commit
  // (never retried once it may have reached the server). committed=false when nothing was
  // left to commit. Throws usage errors for bad operations before any request.
  CommitResult create_commit(RepoType type, const RepoId& repo, const std::string& revision,
                             const std::vector<CommitOperation>& ops, const CommitOptions& options) const;

  // URL builders (public for tests and for printing).
  std::string api_url(RepoType type, const RepoId& repo) const;
  std::string resolve_url(RepoType type, const RepoId& repo, const std::string& revision,
                          const std::string& path) const;
  // {endpoint}/{kernels/}{ns}/{name}.git/info/lfs/objects/batch (E10).
  std::string lfs_batch_url(RepoType type, const RepoId& repo) const;

 private:
  enum class RetryMode {
    transient,    // retry transient transport failures and retryable statuses (RetryPolicy)
    unsent_only,  // retry only failures before the request could reach the server, and 429 (commit)
  };
  struct SendOptions {
    bool accept_redirect = false;
    RetryMode retry = RetryMode::transient;
    std::vector<long> pass_through;  // statuses returned as answers, not errors (409 of create)
    // A longer stall limit for requests whose answer comes only after the server has done
    // real work (a commit, storing a large LFS object): silence then is not a dead link.
    std::optional<std::chrono::milliseconds> min_stall = std::nullopt;
  };
  // Sends with retries per OPTIONS; non-2xx (and, unless accepted, 3xx) answers become
  // typed errors.
  HttpResponse send(HttpRequest request, const struct RequestContext& ctx, SendOptions options) const;
  HttpResponse send(HttpRequest request, const struct RequestContext& ctx, bool accept_redirect = false) const {
    return send(std::move(request), ctx, SendOptions{accept_redirect, RetryMode::transient, {}, std::nullopt});
  }
  Headers base_headers(const std::string& url) const;
  // Where server-given URLs may lead (server_url.hpp): https only when the endpoint is.
  UrlPolicy url_policy() const;
  // Context for errors of a write call: ACTION completes "cannot ACTION <repo>".
  struct RequestContext write_context(RepoType type, const RepoId& repo, std::optional<std::string> revision,
                                      std::string action) const;

  // create_commit's steps (commit.cpp, lfs_upload.cpp).
  std::optional<std::string> fetch_upload_modes(RepoType type, const RepoId& repo, const std::string& revision,
                                                bool create_pr, std::vector<PlannedAdd>& adds) const;
  std::uint64_t upload_lfs_objects(RepoType type, const RepoId& repo, const std::string& revision, bool create_pr,
                                   const std::vector<const PlannedAdd*>& objects, int parallelism,
                                   ProgressTracker& progress) const;

  struct WhoAmICache {
    std::mutex mu;
    std::optional<WhoAmI> value;
  };

  ClientSettings settings_;
  std::shared_ptr<WhoAmICache> whoami_cache_ = std::make_shared<WhoAmICache>();
};

// Whether URL's scheme://host:port equals the endpoint's (the only place a token may go).
bool same_origin(const std::string& a, const std::string& b);

}  // namespace kcpp::hub
