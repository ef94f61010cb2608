// The positioned JSON reader behind kernels.lock and metadata.json errors.
#include <catch2/catch.hpp>

#include "core/json_value.hpp"

using namespace kcpp;

namespace {
std::string syntax_error(std::string_view text) {
  try {
    parse_json(text);
  } catch (const JsonSyntaxError& e) {
    return std::to_string(e.where.line) + ":" + std::to_string(e.where.column) + ": " + e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("values, positions and member order", "[lock]") {
  auto v = parse_json("{\n  \"b\": [1, -2, 3.5, 18446744073709551616],\n  \"a\": \"x\\u00e9\\ud83d\\ude00\",\n"
                      "  \"b\": null, \"t\": true}");
  REQUIRE(v.is_object());
  REQUIRE(v.members.size() == 4);
  CHECK(v.members[0].first == "b");
  CHECK(v.members[1].first == "a");
  CHECK(v.members[2].first == "b");  // duplicates kept, in order
  const auto& arr = v.members[0].second;
  CHECK(arr.where.line == 2);
  CHECK(arr.where.column == 8);
  CHECK(arr.items[0].type == JsonValue::Type::unsigned_integer);
  CHECK(arr.items[1].type == JsonValue::Type::negative_integer);
  CHECK(arr.items[1].negative_value == -2);
  CHECK(arr.items[2].type == JsonValue::Type::floating);
  CHECK(arr.items[3].type == JsonValue::Type::floating);  // beyond u64, as serde_json
  CHECK(arr.items[3].where.column == 21);
  CHECK(v.members[1].second.text == "x\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(v.members[3].second.describe() == "boolean `true`");
  CHECK(parse_json("\"1\"").describe() == "string \"1\"");
  CHECK(parse_json("-1").describe() == "integer `-1`");
}

TEST_CASE("syntax errors are serde_json's, with line:col", "[lock]") {
  CHECK(syntax_error("") == "1:1: EOF while parsing a value");
  CHECK(syntax_error("[1,]") == "1:4: trailing comma");
  CHECK(syntax_error("{\"a\" 1}") == "1:6: expected `:`");
  CHECK(syntax_error("[1 2]") == "1:4: expected `,` or `]`");
  CHECK(syntax_error("{\"a\": 1,\n \"b\"") == "2:5: EOF while parsing an object");
  CHECK(syntax_error("[01]") == "1:3: invalid number");
  CHECK(syntax_error("nul") == "1:4: EOF while parsing a value");
  CHECK(syntax_error("[tru]") == "1:5: expected ident");
  CHECK(syntax_error("\"\\ud800\"") == "1:8: unexpected end of hex escape");
  CHECK(syntax_error("\"\\udc00\"") == "1:8: lone leading surrogate in hex escape");
  CHECK(syntax_error("\"a\nb\"") == "1:3: control character (\\u0000-\\u001F) found while parsing a string");
  CHECK(syntax_error("\"\xff\"") == "1:2: invalid unicode code point");
  CHECK(syntax_error("{1: 2}") == "1:2: key must be a string");
  CHECK(syntax_error("[] []") == "1:4: trailing characters");
  CHECK(syntax_error(std::string(200, '[') + std::string(200, ']')) == "1:130: recursion limit exceeded");
}

TEST_CASE("large documents parse in linear time, positions still right", "[lock]") {
  // Found by the bad-input corpus: each value's position was counted from the start of the
  // text, so a 2 MB kernels.lock of small values took minutes (quadratic).
  std::string text = "[";
  for (int i = 0; i < 400000; ++i) text += i ? ",\n1" : "1";
  text += "]";
  auto v = parse_json(text);
  REQUIRE(v.items.size() == 400000);
  CHECK(v.items.back().where.line == 400000);
  CHECK(v.items.back().where.column == 1);
  CHECK(v.items[1].where.line == 2);
  CHECK(syntax_error(text.substr(0, text.size() - 1)) == "400000:2: EOF while parsing a list");
}
