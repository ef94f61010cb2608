#pragma once
// The upload progress line for terminals, in upstream's shape plus bytes:
//   Uploading to `v1` [========>               ] 12/30 files  120.4 MB / 2.1 GB
// redrawn at most ten times a second on stderr and finished with "Uploaded to `v1`" (or
// "Opened pull request against `v1`"). Callers create it only when stderr is a TTY.
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

#include "hub/write.hpp"

namespace kcpp::publish {

// One line of the bar (no "\r"), for a bar WIDTH characters wide.
std::string render_upload_line(const std::string& branch, const hub::UploadProgress& p, int width = 40);

class UploadProgressBar {
 public:
  void start(const std::string& branch, std::size_t operations);
  void update(const hub::UploadProgress& p);  // thread-safe
  void finish(const std::string& branch, bool pull_request);

 private:
  std::mutex mu_;
  std::string branch_;
  std::size_t operations_ = 0;
  hub::UploadProgress last_;
  std::chrono::steady_clock::time_point drawn_{};
  void draw_locked(bool force);
};

}  // namespace kcpp::publish
