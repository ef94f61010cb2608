#include "cache/progress.hpp"

#include <fmt/core.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "core/log.hpp"

namespace kcpp::cache {

std::string human_bytes(std::uint64_t n) {
  static const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  if (n < 1000) return fmt::format("{} B", n);
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1000 && u < 5) {
    v /= 1000;
    ++u;
  }
  return fmt::format("{:.1f} {}", v, units[u]);
}

namespace {

class SilentReporter final : public DownloadReporter {};

class TtyProgress final : public DownloadReporter {
 public:
  void begin(const std::string& label, std::size_t files, std::uint64_t bytes) override {
    std::lock_guard lock(mu_);
    label_ = log::escape_controls(label);  // the bar draws it raw with \r and ESC[K
    files_ = files;
    total_ = bytes;
    done_files_ = 0;
    done_bytes_ = 0;
    start_ = clock::now();
    last_ = {};
    active_ = files > 0;
    if (active_) draw(true);
  }
  void bytes(std::uint64_t n) override {
    done_bytes_ += n;
    auto now = clock::now();
    if (now - last_draw_.load() < std::chrono::milliseconds(100)) return;
    std::lock_guard lock(mu_);
    draw(false);
  }
  void file_done(const std::string&, const BlobOutcome& outcome) override {
    std::lock_guard lock(mu_);
    ++done_files_;
    done_bytes_ += outcome.resumed_from;
    draw(false);
  }
  void end() override {
    std::lock_guard lock(mu_);
    if (!active_) return;
    draw(true);
    std::fputs("\n", stderr);
    std::fflush(stderr);
    active_ = false;
  }

 private:
  using clock = std::chrono::steady_clock;
  void draw(bool force) {
    if (!active_) return;
    auto now = clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    last_draw_.store(now);
    double secs = std::chrono::duration<double>(now - start_).count();
    std::uint64_t done = std::min<std::uint64_t>(done_bytes_.load(), total_);
    auto rate = secs > 0.05 ? human_bytes(static_cast<std::uint64_t>(static_cast<double>(done) / secs)) + "/s" : "";
    std::fprintf(stderr, "\r\033[K%s  %zu/%zu files  %s / %s  %s", label_.c_str(), done_files_, files_,
                 human_bytes(done).c_str(), human_bytes(total_).c_str(), rate.c_str());
    std::fflush(stderr);
  }

  std::mutex mu_;
  std::string label_;
  std::size_t files_ = 0, done_files_ = 0;
  std::uint64_t total_ = 0;
  std::atomic<std::uint64_t> done_bytes_{0};
  clock::time_point start_{}, last_{};
  std::atomic<clock::time_point> last_draw_{};
  bool active_ = false;
};

}  // namespace

std::unique_ptr<DownloadReporter> make_progress_reporter(bool tty) {
  if (tty) return std::make_unique<TtyProgress>();
  return std::make_unique<SilentReporter>();
}

}  // namespace kcpp::cache
