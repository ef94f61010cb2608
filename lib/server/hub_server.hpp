#pragma once
// The kernels-hub HTTP server: the read API of the Hugging Face Hub (refs, tree, repo info,
// resolve, whoami) and its write API (create repo, branches, preupload, NDJSON commit, LFS
// basic transfer; token required, see routes_write.cpp) over a RepoStorage, plus LFS object
// downloads, bearer-token checks,
// fault injection (fault_injection.hpp: status answers, resets, truncated, stalled or
// corrupted bodies, wrong ETags) and a request log. Multi-threaded: one worker per connection,
// from a pool that grows while every worker is busy (worker_pool.hpp); connections are
// served by guarded_server.hpp's loop (connection caps, header deadline, closing after
// answers given before the body).
//
// Two listeners, like the Hub and its CDN: the API port, and an LFS port that serves only
// /lfs-objects/<sha256>. resolve answers LFS files with a 302 to the LFS port. The second
// origin matters: huggingface_hub (2.x) follows redirects that stay on the same origin when
// it reads file metadata with HEAD, and would then miss the X-Repo-Commit / X-Linked-*
// headers of the redirect; a different origin also exercises clients' "drop Authorization
// on cross-origin redirects" rule. The API port serves /lfs-objects/ as well.
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/fault_injection.hpp"
#include "server/storage.hpp"

namespace kcpp::server {

struct ServeOptions {
  std::filesystem::path root;  // storage root (created if missing)
  std::string host = "127.0.0.1";
  int port = 0;      // 0: any free port (see HubServer::url)
  int lfs_port = 0;  // LFS listener (same host); 0: any free port
  // Base of the absolute URLs in answers (Link, commitUrl, LFS upload hrefs, ...) as clients
  // reach the server ("https://hub.example/prefix"); default http://HOST:PORT as bound. Never
  // taken from the request's Host header (public_urls.hpp).
  std::optional<std::string> public_url;
  // Base URL put in LFS redirects ("https://cdn.example/prefix"); default: http:// + the host
  // of public_url (else HOST) + ":" + the LFS port.
  std::optional<std::string> lfs_url;
  std::vector<std::string> tokens;  // accepted bearer tokens (none: reads anonymous, writes refused)
  std::optional<std::filesystem::path> request_log;
  std::vector<FaultSpec> faults;               // --inject, then --faults rules, in order
  std::optional<RandomFaults> random_faults;    // --faults random:...
  std::optional<std::filesystem::path> fault_log;  // "KIND METHOD PATH" per injected fault
  int threads = 32;  // workers always running per listener; more start on demand (up to 1024)
  // Slowloris defences (guarded_server.hpp): the request line and headers of each request
  // must arrive within this many seconds; connections beyond the caps (both listeners
  // together; per client address, an IPv6 /64 counting as one) are answered 503 at once.
  double header_timeout_s = 10;
  std::size_t max_connections = 768;               // below the 1024 workers of a listener
  std::size_t max_connections_per_address = 256;   // 0: no per-address cap
  // Organizations whose overview says `trustedKernelPublisher: true` (kernels' trust check).
  std::vector<std::string> trusted_publishers;
};

class HubServer {
 public:
  // Opens the storage and the request log; throws kcpp::Error on failure. Does not listen yet.
  explicit HubServer(ServeOptions options);
  ~HubServer();
  HubServer(const HubServer&) = delete;
  HubServer& operator=(const HubServer&) = delete;

  // Binds both listening sockets; returns the API port. Throws kcpp::Error(io) when it cannot.
  int bind();
  // "http://HOST:PORT" of the API (IPv6 hosts in brackets); valid after bind().
  std::string url() const;
  // "http://HOST:LFS_PORT", the LFS listener; valid after bind().
  std::string lfs_listener_url() const;
  // Serves until stop(); call after bind(), from a thread of its own if needed.
  void run();
  // Makes run() return (after in-flight connections finish). Thread-safe, idempotent, may
  // be called before run() starts (run() then returns at once).
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `kernels-hub serve`: binds, writes the base URL as the first line of OUT (flushed), serves
// until SIGINT or SIGTERM, then shuts down cleanly. Blocks those signals in the calling
// thread (and so in every thread the server starts) and waits for them with sigtimedwait.
void serve_until_signal(HubServer& server, std::ostream& out);

}  // namespace kcpp::server
