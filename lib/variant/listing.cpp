#include "variant/listing.hpp"

#include <set>

namespace kcpp::variant {

VariantListing parse_variant_names(const std::vector<std::string>& names) {
  VariantListing out;
  std::set<std::string> unique(names.begin(), names.end());
  for (const auto& name : unique) {
    std::string error;
    if (auto v = try_parse(name, &error))
      out.variants.push_back(std::move(*v));
    else
      out.invalid.emplace_back(name, error);
  }
  return out;
}

}  // namespace kcpp::variant
