#include "bench/stderr_capture.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace kcpp::bench {

StderrCapture::StderrCapture() {
  std::fflush(stderr);
  std::cerr.flush();
  FILE* f = std::tmpfile();
  if (!f) return;
  file_ = ::dup(::fileno(f));
  std::fclose(f);  // the dup keeps the (already unlinked) file open
  if (file_ < 0) return;
  saved_ = ::dup(2);
  if (saved_ < 0 || ::dup2(file_, 2) < 0) {
    if (saved_ >= 0) ::close(saved_);
    ::close(file_);
    saved_ = file_ = -1;
  }
}

std::string StderrCapture::finish() {
  if (done_ || saved_ < 0) {
    done_ = true;
    return {};
  }
  done_ = true;
  std::fflush(stderr);
  std::cerr.flush();
  ::dup2(saved_, 2);
  ::close(saved_);
  std::string out;
  if (::lseek(file_, 0, SEEK_SET) == 0) {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(file_, buf, sizeof buf)) > 0 && out.size() < (1u << 20))
      out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(file_);
  return out;
}

StderrCapture::~StderrCapture() { finish(); }

std::string shim_error_message(const std::string& captured) {
  std::string s = captured;
  static const std::string kMarker = "Exception in aoti_torch: ";
  if (auto p = s.rfind(kMarker); p != std::string::npos) s = s.substr(p + kMarker.size());
  for (const char* cut : {"\nException raised from", "Exception raised from ", "\nframe #"})
    if (auto p = s.find(cut); p != std::string::npos) s = s.substr(0, p);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  while (!s.empty() && (s.front() == '\n' || s.front() == ' ')) s.erase(0, 1);
  if (s.size() > 2000) s = s.substr(0, 2000) + " …";
  return s;
}

}  // namespace kcpp::bench
