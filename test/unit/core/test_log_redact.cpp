// log::redact: the secrets it hides, agreement with the std::regex patterns it replaced
// (on random short texts), and long server texts that crashed the regex version.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "core/log.hpp"
#include "../support/regex_oracles.hpp"

using kcpp::log::redact;
using kcpp::test::regex_redact;

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
