#pragma once
// A place in a text file, for error messages of the form FILE:LINE:COL.
#include <cstddef>
#include <string_view>

namespace kcpp {

struct TextPosition {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in bytes
};

// Line and column (both 1-based) of byte OFFSET in TEXT.
TextPosition position_of(std::string_view text, std::size_t offset);

}  // namespace kcpp
