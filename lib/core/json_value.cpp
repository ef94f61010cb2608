#include "core/json_value.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cstdlib>

namespace kcpp {

TextPosition position_of(std::string_view text, std::size_t offset) {
  TextPosition p;
  if (offset > text.size()) offset = text.size();
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

JsonValue::JsonValue() = default;

std::string JsonValue::describe() const {
  switch (type) {
    case Type::null: return "null";
    case Type::boolean: return fmt::format("boolean `{}`", boolean ? "true" : "false");
    case Type::unsigned_integer:
    case Type::negative_integer: return fmt::format("integer `{}`", text);
    case Type::floating: return fmt::format("floating point `{}`", text);
    case Type::string: return fmt::format("string \"{}\"", text);
    case Type::array: return "sequence";
    case Type::object: return "map";
  }
  return "value";
}

namespace {

constexpr int kMaxDepth = 128;

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  JsonValue document() {
    skip_ws();
    if (at_end()) fail("EOF while parsing a value");
    JsonValue v = value(0);
    skip_ws();
    if (!at_end()) fail("trailing characters");
    return v;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
  // Positions are asked for in increasing offsets: continue from the last one instead of
  // counting from the start each time (which made a large document quadratic: a 2 MB
  // kernels.lock of small values took minutes).
  mutable std::size_t known_offset_ = 0;
  mutable TextPosition known_position_;

  TextPosition where(std::size_t offset) const {
    if (offset > s_.size()) offset = s_.size();
    if (offset < known_offset_) {
      known_offset_ = 0;
      known_position_ = TextPosition{};
    }
    for (std::size_t k = known_offset_; k < offset; ++k) {
      if (s_[k] == '\n') {
        ++known_position_.line;
        known_position_.column = 1;
      } else {
        ++known_position_.column;
      }
    }
    known_offset_ = offset;
    return known_position_;
  }

  bool at_end() const { return i_ >= s_.size(); }
  char peek() const { return s_[i_]; }

  [[noreturn]] void fail(const std::string& message) const { fail_at(message, i_); }
  [[noreturn]] void fail_at(const std::string& message, std::size_t offset) const {
    throw JsonSyntaxError(message, where(offset));
  }

  void skip_ws() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++i_;
  }

  void expect_literal(std::string_view word) {
    for (char c : word) {
      if (at_end()) fail("EOF while parsing a value");
      if (peek() != c) fail("expected ident");
      ++i_;
    }
  }

  JsonValue value(int depth) {
    if (depth > kMaxDepth) fail("recursion limit exceeded");
    JsonValue v;
    v.where = where(i_);
    switch (peek()) {
      case 'n': expect_literal("null"); v.type = JsonValue::Type::null; break;
      case 't': expect_literal("true"); v.type = JsonValue::Type::boolean; v.boolean = true; break;
      case 'f': expect_literal("false"); v.type = JsonValue::Type::boolean; v.boolean = false; break;
      case '"': v.type = JsonValue::Type::string; v.text = string(); break;
      case '[': array(v, depth); break;
      case '{': object(v, depth); break;
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) number(v);
        else fail("expected value");
    }
    return v;
  }

  void array(JsonValue& v, int depth) {
    v.type = JsonValue::Type::array;
    ++i_;  // [
    skip_ws();
    if (at_end()) fail("EOF while parsing a list");
    if (peek() == ']') { ++i_; return; }
    for (;;) {
      skip_ws();
      if (at_end()) fail("EOF while parsing a list");
      v.items.push_back(value(depth + 1));
      skip_ws();
      if (at_end()) fail("EOF while parsing a list");
      if (peek() == ',') {
        ++i_;
        skip_ws();
        if (!at_end() && peek() == ']') fail("trailing comma");
        continue;
      }
      if (peek() == ']') { ++i_; return; }
      fail("expected `,` or `]`");
    }
  }

  void object(JsonValue& v, int depth) {
    v.type = JsonValue::Type::object;
    ++i_;  // {
    skip_ws();
    if (at_end()) fail("EOF while parsing an object");
    if (peek() == '}') { ++i_; return; }
    for (;;) {
      skip_ws();
      if (at_end()) fail("EOF while parsing an object");
      if (peek() != '"') fail("key must be a string");
      std::string key = string();
      skip_ws();
      if (at_end()) fail("EOF while parsing an object");
      if (peek() != ':') fail("expected `:`");
      ++i_;
      skip_ws();
      if (at_end()) fail("EOF while parsing a value");
      v.members.emplace_back(std::move(key), value(depth + 1));
      skip_ws();
      if (at_end()) fail("EOF while parsing an object");
      if (peek() == ',') {
        ++i_;
        skip_ws();
        if (!at_end() && peek() == '}') fail("trailing comma");
        continue;
      }
      if (peek() == '}') { ++i_; return; }
      fail("expected `,` or `}`");
    }
  }

  unsigned hex4() {
    unsigned cp = 0;
    for (int k = 0; k < 4; ++k) {
      if (at_end()) fail("EOF while parsing a string");
      char c = peek();
      int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (d < 0) fail("invalid escape");
      cp = cp * 16 + static_cast<unsigned>(d);
      ++i_;
    }
    return cp;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // Length of the valid UTF-8 sequence starting at i_, or 0.
  std::size_t utf8_length() const {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s_[i_ + k]); };
    auto cont = [&](std::size_t k) { return i_ + k < s_.size() && (b(k) & 0xC0) == 0x80; };
    unsigned char c = b(0);
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
      if (!cont(1) || !cont(2)) return 0;
      if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
      if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogate
      return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
      if (!cont(1) || !cont(2) || !cont(3)) return 0;
      if (c == 0xF0 && b(1) < 0x90) return 0;
      if (c == 0xF4 && b(1) >= 0x90) return 0;
      return 4;
    }
    return 0;
  }

  std::string string() {
    ++i_;  // opening quote
    std::string out;
    for (;;) {
      if (at_end()) fail("EOF while parsing a string");
      char c = peek();
      if (c == '"') { ++i_; return out; }
      if (static_cast<unsigned char>(c) < 0x20) fail("control character (\\u0000-\\u001F) found while parsing a string");
      if (c != '\\') {
        std::size_t n = utf8_length();
        if (n == 0) fail("invalid unicode code point");
        out.append(s_.substr(i_, n));
        i_ += n;
        continue;
      }
      ++i_;
      if (at_end()) fail("EOF while parsing a string");
      char e = peek();
      ++i_;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail("lone leading surrogate in hex escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (i_ + 1 >= s_.size() || s_[i_] != '\\' || s_[i_ + 1] != 'u') fail("unexpected end of hex escape");
            i_ += 2;
            unsigned lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail("lone leading surrogate in hex escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: fail_at("invalid escape", i_ - 1);
      }
    }
  }

  void number(JsonValue& v) {
    std::size_t start = i_;
    bool negative = false, integral = true;
    if (peek() == '-') { negative = true; ++i_; }
    auto digit = [&] { return !at_end() && peek() >= '0' && peek() <= '9'; };
    if (!digit()) fail("invalid number");
    if (peek() == '0') {
      ++i_;
      if (digit()) fail("invalid number");
    } else {
      while (digit()) ++i_;
    }
    if (!at_end() && peek() == '.') {
      integral = false;
      ++i_;
      if (!digit()) fail("invalid number");
      while (digit()) ++i_;
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      integral = false;
      ++i_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++i_;
      if (!digit()) fail("invalid number");
      while (digit()) ++i_;
    }
    std::string literal(s_.substr(start, i_ - start));
    v.text = literal;
    errno = 0;
    if (integral && !negative) {
      char* end = nullptr;
      unsigned long long u = std::strtoull(literal.c_str(), &end, 10);
      if (errno == 0) {
        v.type = JsonValue::Type::unsigned_integer;
        v.unsigned_value = u;
        return;
      }
    } else if (integral && literal != "-0") {
      char* end = nullptr;
      long long n = std::strtoll(literal.c_str(), &end, 10);
      if (errno == 0) {
        v.type = JsonValue::Type::negative_integer;
        v.negative_value = n;
        return;
      }
    }
    v.type = JsonValue::Type::floating;
    v.floating_value = std::strtod(literal.c_str(), nullptr);
    if (integral) v.text = fmt::format("{}", v.floating_value);  // serde shows overflowing ints as floats
  }
};

}  // namespace

JsonValue parse_json(std::string_view text) { return Parser(text).document(); }

}  // namespace kcpp
