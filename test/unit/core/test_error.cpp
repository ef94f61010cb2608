// kcpp::Error: rewording keeps what the user needs (kind → exit code, causes, hints).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/error.hpp"

TEST_CASE("in_context rewords an error and keeps its kind, causes and hints", "[core]") {
  kcpp::Error inner(kcpp::ErrorKind::network, "connection reset");
  inner.retry(kcpp::Retry::transient).cause("curl: recv failure").hint("check the network");
  auto outer = inner.in_context("cannot download 'a.so'");
  CHECK(std::string(outer.what()) == "cannot download 'a.so'");
  CHECK(outer.kind() == kcpp::ErrorKind::network);
  // The retry class is for the retry loop: never a cause the user reads, not carried over.
  CHECK(outer.causes() == std::vector<std::string>{"connection reset", "curl: recv failure"});
  CHECK(inner.is_transient());
  CHECK(outer.retry() == kcpp::Retry::unknown);
  CHECK(outer.hints() == std::vector<std::string>{"check the network"});
  CHECK(kcpp::usage_error("x").in_context("y").exit_code() == kcpp::kExitUsage);
}
