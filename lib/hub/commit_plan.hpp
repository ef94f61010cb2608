#pragma once
// Internal state of HubClient::create_commit: one planned addition (its digest and what the
// server said about it) and the serialised progress reporter shared by worker threads.
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "hub/local_files.hpp"
#include "hub/write.hpp"

namespace kcpp::hub {

struct PlannedAdd {
  const CommitOperation* op = nullptr;
  std::string path;  // checked path_in_repo
  LocalDigest digest;
  // From preupload (E9): where the server wants the bytes, whether .gitignore drops them,
  // and the remote file's oid (git blob sha1, or sha256 for LFS) when it exists.
  bool lfs = false;
  bool ignore = false;
  std::optional<std::string> remote_oid;
  // Regular files: the bytes sent inline (read once, for the git blob id and the payload).
  std::optional<std::string> inline_bytes;
};

// UploadProgress behind a mutex; the callback runs under it (so calls never overlap).
class ProgressTracker {
 public:
  ProgressTracker(std::function<void(const UploadProgress&)> callback, std::size_t files_total,
                  std::uint64_t bytes_total)
      : callback_(std::move(callback)) {
    state_.files_total = files_total;
    state_.bytes_total = bytes_total;
  }

  // DELTA may be negative: an LFS PUT that restarts from byte 0 gives its bytes back.
  void add(std::int64_t bytes_delta, std::size_t files_done = 0) {
    std::lock_guard<std::mutex> lock(mu_);
    state_.bytes_done = static_cast<std::uint64_t>(static_cast<std::int64_t>(state_.bytes_done) + bytes_delta);
    state_.files_done += files_done;
    if (callback_) callback_(state_);
  }

  UploadProgress snapshot() {
    std::lock_guard<std::mutex> lock(mu_);
    return state_;
  }

 private:
  std::mutex mu_;
  std::function<void(const UploadProgress&)> callback_;
  UploadProgress state_;
};

}  // namespace kcpp::hub
