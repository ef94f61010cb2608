#pragma once
// A small, strict JSON reader that remembers where each value starts (line:column), for
// error messages that point into kernels.lock and metadata.json. Strictness follows
// serde_json (what upstream's Rust reader accepts): RFC 8259 syntax only, UTF-8, no lone
// surrogates, no trailing characters, nesting at most 128 deep. Object members keep their
// order and duplicates (schema code decides what a duplicate means).
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/text_position.hpp"

namespace kcpp {

class JsonValue {
 public:
  // Declared here and defaulted in json_value.cpp: with the implicit constructor, clang
  // (with libstdc++'s std::pair) cannot tell whether the recursive `members` type is
  // default-constructible, and rejects the header (the clang++ fuzz build needs it).
  JsonValue();

  enum class Type { null, boolean, unsigned_integer, negative_integer, floating, string, array, object };

  Type type = Type::null;
  TextPosition where;                 // first character of the value
  bool boolean = false;
  std::uint64_t unsigned_value = 0;   // unsigned_integer
  std::int64_t negative_value = 0;    // negative_integer (< 0)
  double floating_value = 0;          // floating (also integers beyond 64 bits)
  std::string text;                   // string content (unescaped); the literal for numbers
  std::vector<JsonValue> items;       // array
  std::vector<std::pair<std::string, JsonValue>> members;  // object, in document order

  bool is_object() const { return type == Type::object; }
  bool is_array() const { return type == Type::array; }
  bool is_string() const { return type == Type::string; }
  bool is_null() const { return type == Type::null; }

  // serde-style description for "invalid type" messages: `string "x"`, `integer `1``,
  // `floating point `1.0``, `boolean `true``, `null`, `map`, `sequence`.
  std::string describe() const;
};

// A syntax error at a position, with serde_json's wording ("EOF while parsing a value",
// "trailing characters", "expected `:`", …).
struct JsonSyntaxError : std::runtime_error {
  JsonSyntaxError(std::string message, TextPosition where)
      : std::runtime_error(std::move(message)), where(where) {}
  TextPosition where;
};

// Parses one JSON document (surrounding whitespace allowed). Throws JsonSyntaxError.
JsonValue parse_json(std::string_view text);

}  // namespace kcpp
