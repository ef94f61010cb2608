#pragma once
// The --request-log file: one line per answered request, "METHOD PATH STATUS BODY_BYTES\n",
// where PATH is the request path as sent (still percent-encoded, query string dropped so no
// signed parameter can leak) and BODY_BYTES the size of the body sent (0 for HEAD).
// Lines are written and flushed before the response goes out, so a client that got its
// answer can rely on the line being in the file.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>

namespace kcpp::server {

class RequestLog {
 public:
  // Opens FILE for appending (created if missing); throws kcpp::Error(io).
  explicit RequestLog(const std::filesystem::path& file);
  ~RequestLog();
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  void record(std::string_view method, std::string_view path, int status, std::uint64_t body_bytes);

  // The line record() writes, without the newline (exposed for tests).
  static std::string format(std::string_view method, std::string_view path, int status, std::uint64_t body_bytes);

 private:
  std::mutex mu_;
  std::FILE* file_ = nullptr;
};

}  // namespace kcpp::server
