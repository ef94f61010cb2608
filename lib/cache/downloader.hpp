#pragma once
// Fetches a set of blobs of one repository at one commit into its BlobStore, in parallel.
//
// Design: a bounded pool of worker threads, each running HubClient::download_file for one
// blob at a time (HEAD, then the GET it redirects to; Range resume; retries), rather than
// one curl-multi loop. Reasons: (1) hashing and writing happen on the thread that receives
// the bytes, so several files are hashed on several cores at once — with a single multi
// loop all SHA-256 work lands on one core, which is the throughput limit for GiB-sized
// variants; (2) the transfer state machine (redirect without Authorization, resume, 200 to
// a Range request, retry policy) already lives, tested, in HubClient and is reused as is;
// (3) connections are shared across threads by the HTTP layer's curl share handle, so the
// pool costs no extra TLS handshakes. The pool size is the user's --jobs (default 8, as
// huggingface_hub's snapshot_download).
//
// Blobs already in the cache cost no request at all. Events go to a DownloadReporter
// (progress bars are one implementation; tests and --json use none).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cache/blob_store.hpp"
#include "core/error.hpp"
#include "hub/client.hpp"

namespace kcpp::cache {

struct BlobJob {
  std::string repo_path;  // a file whose content is this blob (fetched from there)
  BlobSpec spec;
};

struct BlobResult {
  BlobOutcome outcome;
  std::optional<Error> error;  // the transfer failed (network, HTTP, local I/O)
  bool skipped = false;        // not attempted: an earlier transfer failed
};

// Receives download events; implementations must be thread-safe (workers call bytes()).
class DownloadReporter {
 public:
  virtual ~DownloadReporter() = default;
  // Before the first transfer of a kernel: what will be fetched (blobs not yet cached).
  virtual void begin(const std::string& label, std::size_t files, std::uint64_t bytes) {}
  virtual void bytes(std::uint64_t n) {}
  virtual void file_done(const std::string& repo_path, const BlobOutcome& outcome) {}
  virtual void end() {}
};

struct FetchOptions {
  unsigned jobs = 8;
  bool recheck = false;  // re-hash blobs already in the cache
};

// One result per job, same order. Never throws for a single blob's failure; a transport or
// local failure stops the start of further transfers (they are marked skipped), a content
// mismatch does not (so every bad file can be named).
std::vector<BlobResult> fetch_blobs(const hub::HubClient& client, const BlobStore& store, const std::string& commit,
                                    const std::vector<BlobJob>& jobs, const FetchOptions& options,
                                    DownloadReporter& reporter);

}  // namespace kcpp::cache
