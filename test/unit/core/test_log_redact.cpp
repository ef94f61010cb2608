// log::redact: the secrets it hides, agreement with the std::regex patterns it replaced
// (on random short texts), and long server texts that crashed the regex version.
#include <catch2/catch.hpp>

#include <random>
#include <regex>
#include <string>

#include "core/log.hpp"

using kcpp::log::redact;

namespace {

std::string regex_redact(const std::string& text) {
  static const std::regex bearer(R"((Bearer\s+)[^\s"']+)", std::regex::icase);
  static const std::regex hf_token(R"(hf_[A-Za-z0-9]{6,})");
  static const std::regex signature(
      R"(([?&](X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|token|ticket)=)[^&\s]+)",
      std::regex::icase);
  std::string s = std::regex_replace(text, bearer, "$1***");
  s = std::regex_replace(s, hf_token, "hf_***");
  return std::regex_replace(s, signature, "$1***");
}

}  // namespace

TEST_CASE("redact hides tokens and signatures", "[core][redact]") {
  CHECK(redact("Authorization: Bearer hf_abcdefghij") == "Authorization: Bearer ***");
  CHECK(redact("bearer\t'x'") == "bearer\t'x'");
  CHECK(redact("token hf_abc12 and hf_abcdef1") == "token hf_abc12 and hf_***");
  CHECK(redact("https://s3/x?X-Amz-Credential=AK&x-amz-signature=s g") == "https://s3/x?X-Amz-Credential=***&x-amz-signature=*** g");
  CHECK(redact("http://h/t?ticket=&token=abc") == "http://h/t?ticket=&token=***");
  CHECK(redact("") == "");
}

TEST_CASE("redact agrees with the regex patterns it replaced", "[core][redact]") {
  const std::vector<std::string> pieces = {"Bearer", "bearer ", "BEARER\t", " ", "\n", "\"", "'", "hf_", "abc",
                                           "123456", "?",      "&",       "token",  "=",  "X-Amz-Signature",
                                           "Ticket", "signature", "x",    "é",      "\v", "hf_hf_"};
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    const int n = static_cast<int>(rng() % 9);
    for (int k = 0; k < n; ++k) s += pieces[rng() % pieces.size()];
    INFO(s);
    CHECK(redact(s) == regex_redact(s));
  }
}

TEST_CASE("redact: long server texts (the regex version crashed with SIGSEGV)", "[core][redact]") {
  const std::string token(300000, 'a');
  CHECK(redact("Bearer " + token) == "Bearer ***");
  CHECK(redact("hf_" + token) == "hf_***");
  CHECK(redact("?token=" + token) == "?token=***");
  const std::string plain(300000, ' ');
  CHECK(redact(plain) == plain);
}
