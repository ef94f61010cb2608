// log::redact and its registry of secrets (the user's token, whatever its shape).
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/log.hpp"

using namespace kcpp;

TEST_CASE("registered secrets are masked wherever they appear", "[core][secrets]") {
  // Regression (reliability suite): a server that quoted a token that is not hf_-shaped back
  // in its error message made `kernels` print it.
  const std::string token = "kcpp-plain-token-5e2b";
  CHECK(log::redact("token '" + token + "' is not valid") == "token '" + token + "' is not valid");
  log::add_secret(token);
  CHECK(log::redact("token '" + token + "' is not valid, " + token) == "token '***' is not valid, ***");
  log::add_secret("ab");  // too short to mask without garbling ordinary text
  CHECK(log::redact("abc") == "abc");
  Error e(ErrorKind::unauthorized, "rejected " + token);
  e.cause("server said: " + token).hint("not " + token);
  auto text = render_error(e, false);
  CHECK(text.find(token) == std::string::npos);
  CHECK(text == "error: rejected ***\n  caused by: server said: ***\nhint: not ***");
}
