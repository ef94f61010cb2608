#include <catch2/catch.hpp>

#include "core/paths.hpp"

using kcpp::paths::python_path_str;

TEST_CASE("paths print like Python's str(Path(...))", "[core]") {
  CHECK(python_path_str("./a//b/") == "a/b");
  CHECK(python_path_str("") == ".");
  CHECK(python_path_str(".") == ".");
  CHECK(python_path_str("/x/./y/") == "/x/y");
  CHECK(python_path_str("//x") == "//x");
  CHECK(python_path_str("///x") == "/x");
  CHECK(python_path_str("a/../b") == "a/../b");
}
