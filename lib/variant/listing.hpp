#pragma once
// The build variants of a listing: directory names under build/ parsed with the grammar.
#include <string>
#include <utility>
#include <vector>

#include "variant/variant.hpp"

namespace kcpp::variant {

struct VariantListing {
  std::vector<Variant> variants;                              // sorted by name, unique
  std::vector<std::pair<std::string, std::string>> invalid;  // name, parse error
};

// NAMES (directory names under build/), de-duplicated and parsed.
VariantListing parse_variant_names(const std::vector<std::string>& names);

}  // namespace kcpp::variant
