#pragma once
// The std::regex patterns that lib/core/log.cpp (redaction) and lib/hub/http.cpp (Link
// headers) used before hand-written scanners replaced them (libstdc++'s matcher recursed once
// per character and overflowed the stack on long input). Tests and fuzz targets compare the
// scanners with these on inputs short enough for std::regex. Header-only: the fuzz targets
// (clang, test/fuzz) include it too.
#include <optional>
#include <regex>
#include <string>

namespace kcpp::test {

inline std::string regex_redact(const std::string& text) {
  static const std::regex bearer(R"((Bearer\s+)[^\s"']+)", std::regex::icase);
  static const std::regex hf_token(R"(hf_[A-Za-z0-9]{6,})");
  static const std::regex signature(
      R"(([?&](X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|token|ticket)=)[^&\s]+)",
      std::regex::icase);
  std::string s = std::regex_replace(text, bearer, "$1***");
  s = std::regex_replace(s, hf_token, "hf_***");
  return std::regex_replace(s, signature, "$1***");
}

inline std::optional<std::string> regex_link_next(const std::string& s) {
  static const std::regex part(R"re(<([^>]*)>\s*((?:;\s*[^;,]*)*))re");
  static const std::regex rel_next(R"re(;\s*rel\s*=\s*"?next"?)re", std::regex::icase);
  for (auto it = std::sregex_iterator(s.begin(), s.end(), part); it != std::sregex_iterator(); ++it) {
    std::string params = (*it)[2];
    if (std::regex_search(params, rel_next)) return (*it)[1].str();
  }
  return std::nullopt;
}

}  // namespace kcpp::test
