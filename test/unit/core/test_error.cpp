// kcpp::Error: rewording keeps what the user needs (kind → exit code, causes, hints).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/error.hpp"

TEST_CASE("in_context rewords an error and keeps its kind, causes and hints", "[core]") {
  kcpp::Error inner(kcpp::ErrorKind::network, "connection reset");
  inner.cause("transient").cause("curl: recv failure").hint("check the network");
  auto outer = inner.in_context("cannot download 'a.so'");
  CHECK(std::string(outer.what()) == "cannot download 'a.so'");
  CHECK(outer.kind() == kcpp::ErrorKind::network);
  // The retry marker is for the retry loop: it must not reach the user as "caused by: transient".
  CHECK(outer.causes() == std::vector<std::string>{"connection reset", "curl: recv failure"});
  CHECK(outer.hints() == std::vector<std::string>{"check the network"});
  CHECK(kcpp::usage_error("x").in_context("y").exit_code() == kcpp::kExitUsage);
}
