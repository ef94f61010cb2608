#pragma once
// Strict, serde-like reading of toml++ tables for build.toml: unknown fields denied,
// required fields enforced, types checked, every failure thrown as a TomlSchemaError that
// carries the position (toml++ source region) and serde's wording ("unknown field `x`,
// expected one of …", "missing field `x`", "invalid type: integer `1`, expected a string").
// build_toml.cpp turns these into kcpp::Error with the file name and a hint.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <vector>

#include "core/text_position.hpp"

namespace kcpp::builder::toml_read {

struct TomlSchemaError : std::runtime_error {
  TomlSchemaError(std::string message, TextPosition where, std::string hint = {})
      : std::runtime_error(std::move(message)), where(where), hint(std::move(hint)) {}
  TextPosition where;
  std::string hint;
};

TextPosition position_of(const toml::node& n);

// serde's description of a value in "invalid type" messages: `integer `1``, `string "x"`,
// `boolean `true``, `floating point `1.5``, `sequence`, `map`.
std::string describe(const toml::node& n);

[[noreturn]] void fail(const toml::node& at, std::string message, std::string hint = {});
[[noreturn]] void invalid_type(const toml::node& at, std::string_view expected, std::string hint = {});

// "`a`, `b`, `c`"
std::string backticked(const std::vector<std::string_view>& names);

// One table being read: fields are looked up by name; the constructor rejects any key not
// in FIELDS (in declaration order, for the "expected one of" list).
class Table {
 public:
  Table(const toml::table& table, std::string dotted_name, std::vector<std::string_view> fields);

  const toml::table& table() const { return table_; }
  const std::string& name() const { return name_; }
  const toml::node* get(std::string_view key) const { return table_.get(key); }

  [[noreturn]] void missing(std::string_view key, std::string hint = {}) const;

  std::string req_string(std::string_view key, std::string hint = {}) const;
  std::optional<std::string> opt_string(std::string_view key) const;
  std::uint64_t req_uint(std::string_view key, std::string hint = {}) const;
  std::vector<std::string> req_strings(std::string_view key, std::string hint = {}) const;
  std::optional<std::vector<std::string>> opt_strings(std::string_view key) const;
  // An optional sub-table; a non-table value is an "invalid type" error.
  const toml::table* opt_table(std::string_view key, std::string_view expected) const;

 private:
  const toml::table& table_;
  std::string name_;
};

// Values
std::string as_string(const toml::node& n);
std::uint64_t as_uint(const toml::node& n);
std::vector<std::string> as_strings(const toml::node& n);
const toml::array& as_array(const toml::node& n);

}  // namespace kcpp::builder::toml_read
