#include "publish/progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "cache/progress.hpp"

namespace kcpp::publish {

std::string render_upload_line(const std::string& branch, const hub::UploadProgress& p, int width) {
  const double frac = p.files_total ? static_cast<double>(p.files_done) / static_cast<double>(p.files_total) : 0.0;
  const int filled = std::clamp(static_cast<int>(frac * width), 0, width);
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < width) {
    bar += '>';
    bar.append(static_cast<std::size_t>(width - filled - 1), ' ');
  }
  std::string line = fmt::format("Uploading to `{}` [{}] {}/{} files", branch, bar, p.files_done, p.files_total);
  if (p.bytes_total > 0)
    line += fmt::format("  {} / {}", cache::human_bytes(p.bytes_done), cache::human_bytes(p.bytes_total));
  return line;
}

void UploadProgressBar::start(const std::string& branch, std::size_t operations) {
  std::lock_guard lock(mu_);
  branch_ = branch;
  operations_ = operations;
  last_ = {};
  last_.files_total = operations;
  draw_locked(true);
}

void UploadProgressBar::update(const hub::UploadProgress& p) {
  std::lock_guard lock(mu_);
  last_ = p;
  draw_locked(false);
}

void UploadProgressBar::finish(const std::string& branch, bool pull_request) {
  std::lock_guard lock(mu_);
  std::fprintf(stderr, "\r\033[2K%s\n",
               (pull_request ? fmt::format("Opened pull request against `{}`", branch)
                             : fmt::format("Uploaded to `{}`", branch))
                   .c_str());
  std::fflush(stderr);
}

void UploadProgressBar::draw_locked(bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - drawn_ < std::chrono::milliseconds(100)) return;
  drawn_ = now;
  std::fprintf(stderr, "\r\033[2K%s", render_upload_line(branch_, last_).c_str());
  std::fflush(stderr);
}

}  // namespace kcpp::publish
