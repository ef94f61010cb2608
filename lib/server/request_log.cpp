#include "server/request_log.hpp"

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace kcpp::server {

RequestLog::RequestLog(const std::filesystem::path& file) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  file_ = std::fopen(file.c_str(), "a");
  if (file_ == nullptr)
    throw Error(ErrorKind::io, "cannot open request log " + file.string() + ": " + std::strerror(errno));
}

RequestLog::~RequestLog() {
  if (file_ != nullptr) std::fclose(file_);
}

void RequestLog::escape_into(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u > 0x20 && u < 0x7f && c != '\\') {
      out += c;
    } else {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
}

std::string RequestLog::format(std::string_view method, std::string_view path, int status, std::uint64_t body_bytes) {
  std::string line;
  line.reserve(method.size() + path.size() + 32);
  escape_into(line, method);
  line += ' ';
  escape_into(line, path);
  line.append(" ").append(std::to_string(status)).append(" ").append(std::to_string(body_bytes));
  return line;
}

void RequestLog::record(std::string_view method, std::string_view path, int status, std::uint64_t body_bytes) {
  std::string line = format(method, path, status, body_bytes) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace kcpp::server
