#pragma once
// A push parser for one JSON object that arrives in pieces and may hold one huge string: an
// NDJSON commit line carrying an inline file ({"key": "file", "value": {"content": "<base64,
// any size>", "path": ..., "encoding": ...}}). The string at one chosen place (here
// value.content) is not kept: its unescaped bytes go to a callback as they arrive, so a
// 1 GiB line needs kilobytes of memory. Everything else is collected into a
// nlohmann::json, with the streamed string replaced by "".
//
// Deliberately small: objects nested at most two deep, strings, numbers, true, false and
// null; no arrays (commit lines have none); other strings at most kMaxSmallString bytes; no
// duplicate keys. Malformed input throws kcpp::Error(usage) at the first bad byte, so junk is
// refused without being read further.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace kcpp::server {

class StreamedJsonObject {
 public:
  static constexpr std::size_t kMaxSmallString = 64 * 1024;

  // STREAMED_PATH: the keys leading to the streamed string ({"value", "content"}).
  // ON_BEGIN is called when that string starts, ON_BYTES with its unescaped bytes.
  StreamedJsonObject(std::vector<std::string> streamed_path, std::function<void()> on_begin,
                     std::function<void(std::string_view)> on_bytes);

  void feed(std::string_view data);
  // The object (the streamed string as ""); throws when it is incomplete or trailing bytes
  // other than whitespace followed it.
  nlohmann::json finish();
  // Whether the streamed string occurred.
  bool streamed() const { return streamed_; }

 private:
  enum class Expect { value, key, colon, comma_or_end, done };
  struct Frame {
    nlohmann::json object = nlohmann::json::object();
    std::string key;  // the key whose value comes next
    Expect expect = Expect::key;
  };
  enum class Token { none, string, number, literal };

  void byte(char c);
  void byte_end_object();
  void start_value(char c);
  void string_byte(char c);
  void emit(std::string_view bytes);
  void emit_code_point(std::uint32_t cp);
  void end_string();
  void end_scalar();
  void put_value(nlohmann::json value);
  bool at_streamed_path() const;

  std::vector<std::string> streamed_path_;
  std::function<void()> on_begin_;
  std::function<void(std::string_view)> on_bytes_;

  std::vector<Frame> stack_;
  Expect top_ = Expect::value;  // before/after the top-level object
  nlohmann::json result_;
  Token token_ = Token::none;
  bool string_is_key_ = false, string_streamed_ = false, streamed_ = false;
  std::string text_;  // the current key, small string, number or literal
  int escape_ = 0;    // 0: none; 1: after '\'; 2-5: reading \uXXXX digits
  std::uint32_t unit_ = 0, high_surrogate_ = 0;
  std::uint64_t offset_ = 0;  // bytes fed, for messages
};

// Decodes base64 (standard alphabet, '=' padding at the end only) as it arrives.
class Base64Stream {
 public:
  explicit Base64Stream(std::function<void(std::string_view)> out) : out_(std::move(out)) {}
  void feed(std::string_view text);
  // Throws unless the input ended on a complete group.
  void finish();

 private:
  std::function<void(std::string_view)> out_;
  std::uint32_t bits_ = 0;
  int count_ = 0;    // sextets in bits_
  int padding_ = 0;  // '=' seen
  std::string buf_;
};

}  // namespace kcpp::server
