#pragma once
// The Hub API calls the tools make (hub-api.md E1–E4), with retries, typed errors and
// the Authorization header sent to the endpoint's host only. Stateless apart from its
// settings: safe to call from several threads at once.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/http.hpp"
#include "hub/settings.hpp"
#include "hub/types.hpp"

namespace kcpp::hub {

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
  // abort). Follows the HEAD's redirect itself, without Authorization when the target is
  // another origin. A transfer cut mid-body is resumed with Range (bounded by the retry
  // policy); a server that answers 200 to a Range request makes it start over, after
  // calling ON_RESTART (the caller truncates what it wrote). Returns the HEAD's metadata;
  // throws kcpp::Error(verification) when the byte count differs from the announced size.
  FileMetadata download_file(RepoType type, const RepoId& repo, const std::string& revision,
                             const std::string& path, const std::function<bool(std::string_view)>& sink,
                             std::uint64_t offset = 0, const std::function<void()>& on_restart = {}) const;

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

  // URL builders (public for tests and for printing).
  std::string api_url(RepoType type, const RepoId& repo) const;
  std::string resolve_url(RepoType type, const RepoId& repo, const std::string& revision,
                          const std::string& path) const;

 private:
  // Sends with retries on transient failures; non-2xx/3xx answers become typed errors.
  HttpResponse send(HttpRequest request, const struct RequestContext& ctx, bool accept_redirect = false) const;
  Headers base_headers(const std::string& url) const;

  ClientSettings settings_;
};

// Whether URL's scheme://host:port equals the endpoint's (the only place a token may go).
bool same_origin(const std::string& a, const std::string& b);

}  // namespace kcpp::hub
