#include "server/json_stream.hpp"

#include "core/error.hpp"

namespace kcpp::server {

using json = nlohmann::json;

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Whether S is well-formed UTF-8 (nlohmann refuses to write anything else later on).
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    std::uint32_t cp = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
    for (std::size_t k = 1; k < n; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

}  // namespace

StreamedJsonObject::StreamedJsonObject(std::vector<std::string> streamed_path, std::function<void()> on_begin,
                                       std::function<void(std::string_view)> on_bytes)
    : streamed_path_(std::move(streamed_path)), on_begin_(std::move(on_begin)), on_bytes_(std::move(on_bytes)) {}

void StreamedJsonObject::feed(std::string_view data) {
  std::size_t i = 0;
  while (i < data.size()) {
    // The bulk of a streamed string (base64) has nothing to unescape: pass runs through whole.
    if (token_ == Token::string && string_streamed_ && escape_ == 0 && high_surrogate_ == 0) {
      std::size_t j = i;
      while (j < data.size() && data[j] != '"' && data[j] != '\\' && static_cast<unsigned char>(data[j]) >= 0x20) ++j;
      if (j > i) {
        on_bytes_(data.substr(i, j - i));
        offset_ += j - i;
        i = j;
        continue;
      }
    }
    byte(data[i++]);
  }
}

json StreamedJsonObject::finish() {
  if (token_ == Token::number || token_ == Token::literal) end_scalar();
  if (top_ != Expect::done || token_ != Token::none)
    throw usage_error("incomplete JSON object (" + std::to_string(offset_) + " bytes)");
  return std::move(result_);
}

bool StreamedJsonObject::at_streamed_path() const {
  if (stack_.size() != streamed_path_.size()) return false;
  for (std::size_t d = 0; d < stack_.size(); ++d)
    if (stack_[d].key != streamed_path_[d]) return false;
  return true;
}

void StreamedJsonObject::byte(char c) {
  ++offset_;
  auto bad = [&](const std::string& what) {
    return usage_error("malformed JSON at byte " + std::to_string(offset_) + ": " + what);
  };
  if (token_ == Token::string) return string_byte(c);
  if (token_ == Token::number) {
    if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
      if (text_.size() >= 64) throw bad("number too long");
      text_ += c;
      return;
    }
    end_scalar();
  } else if (token_ == Token::literal) {
    if (c >= 'a' && c <= 'z') {
      if (text_.size() >= 5) throw bad("unknown literal");
      text_ += c;
      return;
    }
    end_scalar();
  }
  if (is_space(c)) return;
  if (stack_.empty()) {
    if (top_ != Expect::value) throw bad("data after the object");
    if (c != '{') throw bad("not a JSON object");
    stack_.emplace_back();
    top_ = Expect::key;  // inside the top-level object
    return;
  }
  Frame& f = stack_.back();
  switch (f.expect) {
    case Expect::key:
      if (c == '}' && f.object.empty() && f.key.empty()) {
        f.expect = Expect::comma_or_end;
        return byte_end_object();
      }
      if (c != '"') throw bad("expected a key");
      token_ = Token::string;
      string_is_key_ = true;
      text_.clear();
      return;
    case Expect::colon:
      if (c != ':') throw bad("expected ':'");
      f.expect = Expect::value;
      return;
    case Expect::value:
      return start_value(c);
    case Expect::comma_or_end:
      if (c == ',') {
        f.expect = Expect::key;
        f.key = "\x01";  // after a comma a key must follow ('}' is not allowed)
        return;
      }
      if (c == '}') return byte_end_object();
      throw bad("expected ',' or '}'");
    default:
      throw bad("unexpected character");
  }
}

void StreamedJsonObject::byte_end_object() {
  json object = std::move(stack_.back().object);
  stack_.pop_back();
  if (stack_.empty()) {
    result_ = std::move(object);
    top_ = Expect::done;
  } else {
    put_value(std::move(object));
  }
}

void StreamedJsonObject::start_value(char c) {
  auto bad = [&](const std::string& what) {
    return usage_error("malformed JSON at byte " + std::to_string(offset_) + ": " + what);
  };
  if (c == '"') {
    token_ = Token::string;
    string_is_key_ = false;
    string_streamed_ = at_streamed_path();
    text_.clear();
    if (string_streamed_) {
      if (streamed_) throw bad("duplicate key");
      streamed_ = true;
      on_begin_();
    }
  } else if (c == '{') {
    if (stack_.size() >= 2) throw bad("objects nested too deep");
    stack_.emplace_back();
  } else if (c == '-' || (c >= '0' && c <= '9')) {
    token_ = Token::number;
    text_.assign(1, c);
  } else if (c == 't' || c == 'f' || c == 'n') {
    token_ = Token::literal;
    text_.assign(1, c);
  } else {
    throw bad(c == '[' ? "arrays are not expected here" : "expected a value");
  }
}

void StreamedJsonObject::emit(std::string_view bytes) {
  if (string_streamed_) {
    on_bytes_(bytes);
    return;
  }
  if (text_.size() + bytes.size() > (string_is_key_ ? 256 : kMaxSmallString))
    throw usage_error("malformed JSON at byte " + std::to_string(offset_) + ": string too long");
  text_.append(bytes);
}

void StreamedJsonObject::emit_code_point(std::uint32_t cp) {
  char out[4];
  std::size_t n = 0;
  if (cp < 0x80) {
    out[n++] = static_cast<char>(cp);
  } else if (cp < 0x800) {
    out[n++] = static_cast<char>(0xC0 | (cp >> 6));
    out[n++] = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out[n++] = static_cast<char>(0xE0 | (cp >> 12));
    out[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[n++] = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out[n++] = static_cast<char>(0xF0 | (cp >> 18));
    out[n++] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[n++] = static_cast<char>(0x80 | (cp & 0x3F));
  }
  emit(std::string_view(out, n));
}

void StreamedJsonObject::string_byte(char c) {
  auto bad = [&](const std::string& what) {
    return usage_error("malformed JSON string at byte " + std::to_string(offset_) + ": " + what);
  };
  if (escape_ == 0) {
    if (high_surrogate_ != 0 && c != '\\') throw bad("lone surrogate");
    if (c == '"') return end_string();
    if (c == '\\') {
      escape_ = 1;
      return;
    }
    if (static_cast<unsigned char>(c) < 0x20) throw bad("control character");
    return emit(std::string_view(&c, 1));
  }
  if (escape_ == 1) {
    if (high_surrogate_ != 0 && c != 'u') throw bad("lone surrogate");
    escape_ = 0;
    char out;
    switch (c) {
      case '"':
      case '\\':
      case '/':
        out = c;
        break;
      case 'b':
        out = '\b';
        break;
      case 'f':
        out = '\f';
        break;
      case 'n':
        out = '\n';
        break;
      case 'r':
        out = '\r';
        break;
      case 't':
        out = '\t';
        break;
      case 'u':
        escape_ = 2;
        unit_ = 0;
        return;
      default:
        throw bad("invalid escape");
    }
    return emit(std::string_view(&out, 1));
  }
  int v = hex_value(c);
  if (v < 0) throw bad("invalid \\u escape");
  unit_ = unit_ * 16 + static_cast<std::uint32_t>(v);
  if (++escape_ < 6) return;
  escape_ = 0;
  if (high_surrogate_ != 0) {
    if (unit_ < 0xDC00 || unit_ > 0xDFFF) throw bad("lone surrogate");
    emit_code_point(0x10000 + ((high_surrogate_ - 0xD800) << 10) + (unit_ - 0xDC00));
    high_surrogate_ = 0;
  } else if (unit_ >= 0xD800 && unit_ <= 0xDBFF) {
    high_surrogate_ = unit_;
  } else if (unit_ >= 0xDC00 && unit_ <= 0xDFFF) {
    throw bad("lone surrogate");
  } else {
    emit_code_point(unit_);
  }
}

void StreamedJsonObject::end_string() {
  token_ = Token::none;
  Frame& f = stack_.back();
  if (string_is_key_) {
    if (!valid_utf8(text_)) throw usage_error("malformed JSON: a key is not valid UTF-8");
    if (f.object.contains(text_)) throw usage_error("malformed JSON: duplicate key '" + text_ + "'");
    f.key = text_;
    f.expect = Expect::colon;
    return;
  }
  if (string_streamed_) {
    string_streamed_ = false;
    put_value("");
    return;
  }
  if (!valid_utf8(text_)) throw usage_error("malformed JSON: a string is not valid UTF-8");
  put_value(std::move(text_));
  text_.clear();
}

void StreamedJsonObject::end_scalar() {
  Token t = token_;
  token_ = Token::none;
  if (t == Token::literal) {
    if (text_ == "true") return put_value(true);
    if (text_ == "false") return put_value(false);
    if (text_ == "null") return put_value(nullptr);
    throw usage_error("malformed JSON: unknown literal");
  }
  json number = json::parse(text_, nullptr, false);
  if (number.is_discarded() || !number.is_number()) throw usage_error("malformed JSON: bad number '" + text_ + "'");
  put_value(std::move(number));
}

void StreamedJsonObject::put_value(json value) {
  Frame& f = stack_.back();
  if (f.object.contains(f.key)) throw usage_error("malformed JSON: duplicate key '" + f.key + "'");
  f.object[f.key] = std::move(value);
  f.expect = Expect::comma_or_end;
}

void Base64Stream::feed(std::string_view text) {
  for (char c : text) {
    if (c == '\n' || c == '\r') continue;
    std::uint32_t v;
    if (c >= 'A' && c <= 'Z') v = static_cast<std::uint32_t>(c - 'A');
    else if (c >= 'a' && c <= 'z') v = static_cast<std::uint32_t>(c - 'a' + 26);
    else if (c >= '0' && c <= '9') v = static_cast<std::uint32_t>(c - '0' + 52);
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else if (c == '=') {
      if (count_ < 2 || count_ >= 4) throw usage_error("invalid base64: misplaced '='");
      ++padding_;
      ++count_;
      if (count_ == 4) {
        // "xx==" or "xxx=": the last group
        if (padding_ == 2) buf_ += static_cast<char>((bits_ >> 4) & 0xFF);
        else buf_ += {static_cast<char>((bits_ >> 10) & 0xFF), static_cast<char>((bits_ >> 2) & 0xFF)};
        count_ = 5;  // closed: nothing may follow
      }
      continue;
    } else {
      throw usage_error("invalid base64 character");
    }
    if (padding_ > 0 || count_ == 5) throw usage_error("invalid base64: data after '='");
    bits_ = (bits_ << 6) | v;
    if (++count_ == 4) {
      buf_ += {static_cast<char>((bits_ >> 16) & 0xFF), static_cast<char>((bits_ >> 8) & 0xFF),
               static_cast<char>(bits_ & 0xFF)};
      bits_ = 0;
      count_ = 0;
    }
    if (buf_.size() >= 64 * 1024) {
      out_(buf_);
      buf_.clear();
    }
  }
}

void Base64Stream::finish() {
  if (padding_ > 0 && count_ != 5) throw usage_error("invalid base64: bad padding");
  if (count_ == 1) throw usage_error("invalid base64: truncated");
  if (count_ == 2) buf_ += static_cast<char>((bits_ >> 4) & 0xFF);
  if (count_ == 3) buf_ += {static_cast<char>((bits_ >> 10) & 0xFF), static_cast<char>((bits_ >> 2) & 0xFF)};
  count_ = 5;
  if (!buf_.empty()) out_(buf_);
  buf_.clear();
}

}  // namespace kcpp::server
