#pragma once
// The --request-log file: one line per answered request, "METHOD PATH STATUS BODY_BYTES\n",
// where PATH is the request path as sent (still percent-encoded, query string dropped so no
// signed parameter can leak) and BODY_BYTES the size of the body sent (0 for HEAD).
// METHOD and PATH come from the client: every byte outside printable ASCII (controls such as
// ESC or BEL, which would drive the terminal of whoever reads the log, C1 bytes, space) and
// the backslash itself are written as \xNN, so a line is always four fields and
// unambiguous.
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
  // Appends TEXT to OUT with the escaping described above (also used for stderr log lines).
  static void escape_into(std::string& out, std::string_view text);

 private:
  std::mutex mu_;
  std::FILE* file_ = nullptr;
};

}  // namespace kcpp::server
