#include "core/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <regex>

#include "core/env.hpp"

namespace kcpp::log {

void setup(int verbosity) {
  // Idempotent: the first call creates the logger, later calls only change the level.
  if (!spdlog::get("kcpp")) {
    auto logger = spdlog::stderr_color_mt("kcpp");
    logger->set_pattern(use_color(2) ? "%^%l%$: %v" : "%l: %v");
    spdlog::set_default_logger(logger);
  }
  spdlog::set_level(verbosity <= 0 ? spdlog::level::warn
                    : verbosity == 1 ? spdlog::level::info
                                     : spdlog::level::debug);
}

std::string redact(std::string_view text) {
  static const std::regex bearer(R"((Bearer\s+)[^\s"']+)", std::regex::icase);
  static const std::regex hf_token(R"(hf_[A-Za-z0-9]{6,})");
  // Query parameters that authorise a request: presigned S3 URLs, and kernels-hub's upload tickets.
  static const std::regex signature(
      R"(([?&](X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|token|ticket)=)[^&\s]+)",
      std::regex::icase);
  std::string s(text);
  s = std::regex_replace(s, bearer, "$1***");
  s = std::regex_replace(s, hf_token, "hf_***");
  s = std::regex_replace(s, signature, "$1***");
  return s;
}

bool use_color(int fd) {
  if (env::get("NO_COLOR")) return false;
  return ::isatty(fd) == 1;
}

}  // namespace kcpp::log
