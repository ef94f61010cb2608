// log::escape_controls, escape_lines, escape_json_output and the error printer: what a
// server's string may hold (C0/C1 controls, bidi overrides, format characters, invalid
// UTF-8, forged lines) never reaches the terminal raw; ordinary text is untouched.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <random>
#include <string>

#include "core/error.hpp"
#include "core/log.hpp"

using kcpp::log::escape_controls;
using kcpp::log::escape_json_output;
using kcpp::log::escape_lines;

namespace {

// Whether TEXT is valid UTF-8 holding no character escape_controls would escape.
bool terminal_safe(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (u < 0x20 || u == 0x7f) return false;
    if (u < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = u >= 0xF0 ? 4 : u >= 0xE0 ? 3 : u >= 0xC2 ? 2 : 0;
    if (len == 0 || i + len > text.size()) return false;
    char32_t cp = u & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if ((cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
        cp == 0x200E || cp == 0x200F || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

}  // namespace

TEST_CASE("escape_controls: C0 controls and DEL", "[core][escape]") {
  CHECK(escape_controls("a\x1b[31mred") == "a\\x1b[31mred");  // ESC
  CHECK(escape_controls("ding\x07") == "ding\\x07");           // BEL
  CHECK(escape_controls("over\rwrite") == "over\\x0dwrite");   // CR
  CHECK(escape_controls("one\n error: FAKE") == "one\\x0a error: FAKE");
  CHECK(escape_controls("tab\there") == "tab\\x09here");
  CHECK(escape_controls(std::string("nul\0x", 5)) == "nul\\x00x");
  CHECK(escape_controls("del\x7f") == "del\\x7f");
}

TEST_CASE("escape_controls: C1 controls, bidi and format characters", "[core][escape]") {
  CHECK(escape_controls("\xc2\x9b" "31m") == "\\u009b31m");             // U+009B CSI
  CHECK(escape_controls("next\xc2\x85line") == "next\\u0085line");       // U+0085 NEL
  CHECK(escape_controls("\xc2\x80\xc2\x9f") == "\\u0080\\u009f");        // the C1 range ends
  CHECK(escape_controls("evil\xe2\x80\xaetxt.so") == "evil\\u202etxt.so");  // U+202E RLO
  CHECK(escape_controls("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad") ==
        "\\u202a\\u202b\\u202c\\u202d");                                     // U+202A–U+202D
  CHECK(escape_controls("\xe2\x81\xa6x\xe2\x81\xa9") == "\\u2066x\\u2069");  // isolates
  CHECK(escape_controls("\xe2\x80\x8f\xe2\x80\x8b") == "\\u200f\\u200b");    // RLM, zero-width space
  CHECK(escape_controls("\xe2\x80\xa8") == "\\u2028");                       // line separator
  CHECK(escape_controls("\xef\xbb\xbfname") == "\\ufeffname");                // BOM
  CHECK(escape_controls("\xf3\xa0\x81\x81") == "\\U000e0041");               // tag 'A'
}

TEST_CASE("escape_controls: invalid UTF-8 byte by byte", "[core][escape]") {
  CHECK(escape_controls("\xff") == "\\xff");
  CHECK(escape_controls("a\x80z") == "a\\x80z");                    // stray continuation
  CHECK(escape_controls("\xc0\xaf") == "\\xc0\\xaf");               // overlong '/'
  CHECK(escape_controls("\xed\xa0\x80") == "\\xed\\xa0\\x80");      // surrogate
  CHECK(escape_controls("\xe2\x80") == "\\xe2\\x80");               // truncated
  CHECK(escape_controls("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");  // beyond U+10FFFF
}

TEST_CASE("escape_controls: plain ASCII and ordinary Unicode are untouched", "[core][escape]") {
  for (std::string s : {"", "kernels-community/activation", "torch211-cxx11-cu130-x86_64-linux",
                        "caf\xc3\xa9 \xe2\x9c\x85 \xe6\xbc\xa2\xe5\xad\x97 \xf0\x9f\x98\x80 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d",
                        "back\\slash and \"quotes\" ~"})
    CHECK(escape_controls(s) == s);
}

TEST_CASE("escape_controls: any bytes give terminal-safe text, and escaping again changes nothing",
          "[core][escape]") {
  std::mt19937 rng(12);
  const std::string pieces[] = {"\x1b", "\n", "\xc2\x9b", "\xe2\x80\xae", "\xff", "\xe2\x80", "a", "\xc3\xa9",
                                "\xf0\x9f\x98\x80", "\\", "\xf3\xa0\x80\xa0", "\x7f", "\xed\xb0\x80"};
  for (int i = 0; i < 2000; ++i) {
    std::string s;
    for (int k = static_cast<int>(rng() % 12); k > 0; --k) s += pieces[rng() % std::size(pieces)];
    for (int k = static_cast<int>(rng() % 4); k > 0; --k) s += static_cast<char>(rng() & 0xff);
    INFO(s);
    const auto once = escape_controls(s);
    CHECK(terminal_safe(once));
    CHECK(escape_controls(once) == once);
  }
}

TEST_CASE("escape_lines keeps line breaks and indents what follows them", "[core][escape]") {
  CHECK(escape_lines("a\nb") == "a\nb");
  CHECK(escape_lines("a\n\x1b[2Jb", "  ") == "a\n  \\x1b[2Jb");
  CHECK(escape_lines("why\n error: FAKE", "  ") == "why\n   error: FAKE");
  CHECK(escape_lines("x\n\ny\n", "  ") == "x\n\n  y\n");  // empty lines stay empty
  CHECK(escape_lines("r\r\n", "") == "r\\x0d\n");
}

TEST_CASE("escape_json_output: still valid JSON with the same strings, nothing raw", "[core][escape]") {
  const std::string value = "evil\xe2\x80\xaetxt \xc2\x9b del\x7f tag\xf3\xa0\x81\x81 ok\xe2\x9c\x85";
  nlohmann::json doc = {{"name", value}, {"esc", "\x1b]0;title\x07"}};
  const std::string out = escape_json_output(doc.dump(2));
  CHECK(out.find("\\u202e") != std::string::npos);
  CHECK(out.find("\\u009b") != std::string::npos);
  CHECK(out.find("\\u007f") != std::string::npos);
  CHECK(out.find("\\udb40\\udc41") != std::string::npos);  // U+E0041 as a surrogate pair
  CHECK(out.find("\xe2\x9c\x85") != std::string::npos);    // ✅ stays
  std::string flat = out;
  for (auto& c : flat)
    if (c == '\n') c = ' ';
  CHECK(terminal_safe(flat));
  const auto back = nlohmann::json::parse(out);
  CHECK(back["name"] == value);
  CHECK(back["esc"] == "\x1b]0;title\x07");
  CHECK(escape_json_output("\"\xff\"") == "\"\\ufffd\"");
}

TEST_CASE("render_error: a server's text cannot drive the terminal or forge a line", "[core][escape]") {
  kcpp::Error e(kcpp::ErrorKind::http, "unexpected HTTP 500 for 'org/k\x1b[2J'\n error: FAKE");
  e.cause("GET /x answered HTTP 500: \xc2\x9b" "31mred\xe2\x80\xae\nerror: forged\r");
  e.hint("declare it as\n[tool.kernels.dependencies]");
  const std::string out = kcpp::render_error(e, false);
  CHECK(out ==
        "error: unexpected HTTP 500 for 'org/k\\x1b[2J'\n"
        "   error: FAKE\n"
        "  caused by: GET /x answered HTTP 500: \\u009b31mred\\u202e\n"
        "    error: forged\\x0d\n"
        "hint: declare it as\n"
        "  [tool.kernels.dependencies]");
  std::size_t errors = 0;
  for (std::size_t at = 0; at != std::string::npos; at = out.find('\n', at + 1))
    errors += out.compare(at == 0 ? 0 : at + 1, 6, "error:") == 0;
  CHECK(errors == 1);
}
