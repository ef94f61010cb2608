#include <catch2/catch.hpp>

#include "core/strings.hpp"

using namespace kcpp;

TEST_CASE("ascii_lower, trim and join", "[core]") {
  CHECK(strings::ascii_lower("ABC-xyz_9É") == "abc-xyz_9É");  // non-ASCII bytes unchanged
  CHECK(strings::trim(" \t\v\f\r\n a b \n") == "a b");
  CHECK(strings::trim("   ").empty());
  CHECK(strings::join({}) == "");
  CHECK(strings::join({"a"}) == "a");
  CHECK(strings::join({"a", "b", "c"}) == "a, b, c");
  CHECK(strings::join({"a", "b"}, "/") == "a/b");
  CHECK(strings::join({"a", "b"}, "+", [](const std::string& s) { return "<" + s + ">"; }) == "<a>+<b>");
}
