#include "builder/toml_read.hpp"

#include <fmt/core.h>

#include <algorithm>

namespace kcpp::builder::toml_read {

TextPosition position_of(const toml::node& n) {
  const auto& b = n.source().begin;
  // The root table of a document has no source position of its own.
  if (b.line == 0) return TextPosition{1, 1};
  return TextPosition{static_cast<int>(b.line), static_cast<int>(b.column)};
}

namespace {

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string describe(const toml::node& n) {
  if (auto s = n.as_string()) return "string " + quoted(s->get());
  if (auto i = n.as_integer()) return fmt::format("integer `{}`", i->get());
  if (auto f = n.as_floating_point()) return fmt::format("floating point `{}`", f->get());
  if (auto b = n.as_boolean()) return fmt::format("boolean `{}`", b->get() ? "true" : "false");
  if (n.is_array()) return "sequence";
  if (n.is_date() || n.is_time() || n.is_date_time()) return "datetime";
  return "map";
}

void fail(const toml::node& at, std::string message, std::string hint) {
  throw TomlSchemaError(std::move(message), position_of(at), std::move(hint));
}

void invalid_type(const toml::node& at, std::string_view expected, std::string hint) {
  fail(at, fmt::format("invalid type: {}, expected {}", describe(at), expected), std::move(hint));
}

std::string backticked(const std::vector<std::string_view>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += fmt::format("`{}`", n);
  }
  return out;
}

Table::Table(const toml::table& table, std::string dotted_name, std::vector<std::string_view> fields)
    : table_(table), name_(std::move(dotted_name)) {
  // Report the first unknown key in document order (toml++ iterates keys sorted).
  const toml::key* first = nullptr;
  for (auto&& [k, v] : table_) {
    if (std::find(fields.begin(), fields.end(), k.str()) != fields.end()) continue;
    auto a = k.source().begin;
    if (!first || std::pair(a.line, a.column) < std::pair(first->source().begin.line, first->source().begin.column))
      first = &k;
  }
  if (first) {
    auto b = first->source().begin;
    TextPosition where{static_cast<int>(b.line), static_cast<int>(b.column)};
    if (b.line == 0) where = position_of(*table_.get(first->str()));
    std::string msg = fields.empty()
                          ? fmt::format("unknown field `{}`, there are no fields", first->str())
                          : fmt::format("unknown field `{}`, expected {}{}", first->str(),
                                        fields.size() == 1 ? "" : "one of ", backticked(fields));
    throw TomlSchemaError(msg, where,
                          fmt::format("[{}] does not have a field `{}`: remove it or correct its spelling", name_,
                                      first->str()));
  }
}

void Table::missing(std::string_view key, std::string hint) const {
  if (hint.empty()) hint = fmt::format("add `{}` to [{}]", key, name_);
  fail(table_, fmt::format("missing field `{}` in [{}]", key, name_), std::move(hint));
}

std::string as_string(const toml::node& n) {
  if (auto s = n.as_string()) return s->get();
  invalid_type(n, "a string");
}

std::uint64_t as_uint(const toml::node& n) {
  if (auto i = n.as_integer()) {
    if (i->get() < 0) fail(n, fmt::format("invalid value: integer `{}`, expected usize", i->get()));
    return static_cast<std::uint64_t>(i->get());
  }
  invalid_type(n, "usize");
}

const toml::array& as_array(const toml::node& n) {
  if (auto a = n.as_array()) return *a;
  invalid_type(n, "a sequence");
}

std::vector<std::string> as_strings(const toml::node& n) {
  std::vector<std::string> out;
  for (const auto& item : as_array(n)) out.push_back(as_string(item));
  return out;
}

std::string Table::req_string(std::string_view key, std::string hint) const {
  const toml::node* n = get(key);
  if (!n) missing(key, std::move(hint));
  return as_string(*n);
}

std::optional<std::string> Table::opt_string(std::string_view key) const {
  const toml::node* n = get(key);
  if (!n) return std::nullopt;
  return as_string(*n);
}

std::uint64_t Table::req_uint(std::string_view key, std::string hint) const {
  const toml::node* n = get(key);
  if (!n) missing(key, std::move(hint));
  return as_uint(*n);
}

std::vector<std::string> Table::req_strings(std::string_view key, std::string hint) const {
  const toml::node* n = get(key);
  if (!n) missing(key, std::move(hint));
  return as_strings(*n);
}

std::optional<std::vector<std::string>> Table::opt_strings(std::string_view key) const {
  const toml::node* n = get(key);
  if (!n) return std::nullopt;
  return as_strings(*n);
}

const toml::table* Table::opt_table(std::string_view key, std::string_view expected) const {
  const toml::node* n = get(key);
  if (!n) return nullptr;
  if (auto t = n->as_table()) return t;
  invalid_type(*n, expected);
}

}  // namespace kcpp::builder::toml_read
