#pragma once
// Small string helpers the domains share (ASCII only: the texts they handle — hex ids,
// header names, file keys, version strings — are ASCII by their formats).
#include <string>
#include <string_view>
#include <vector>

namespace kcpp::strings {

// S with A-Z turned into a-z; every other byte unchanged.
std::string ascii_lower(std::string_view s);

// S without leading and trailing ASCII white space (space, \t, \n, \v, \f, \r).
std::string trim(std::string_view s);

// ITEMS separated by SEP ("a, b"); "" for none.
std::string join(const std::vector<std::string>& items, std::string_view sep = ", ");

// EACH(item) for every item, separated by SEP (e.g. each item escaped for the terminal).
template <class F>
std::string join(const std::vector<std::string>& items, std::string_view sep, const F& each) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += each(items[i]);
  }
  return out;
}

}  // namespace kcpp::strings
