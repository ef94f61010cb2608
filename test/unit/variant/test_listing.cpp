#include <catch2/catch.hpp>

#include "variant/listing.hpp"

using namespace kcpp::variant;

TEST_CASE("variant listing de-duplicates and reports invalid names", "[variant]") {
  auto l = parse_variant_names({"torch-cuda", "torch-cuda", "garbage", "torch211-cxx11-cu130-x86_64-linux"});
  CHECK(l.variants.size() == 2);
  REQUIRE(l.invalid.size() == 1);
  CHECK(l.invalid[0].first == "garbage");
}

