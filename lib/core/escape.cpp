// The one escaper of untrusted text (log.hpp: escape_controls, escape_lines,
// escape_json_output). A terminal acts on more than C0 controls: UTF-8-encoded C1 controls
// (U+009B is CSI on many terminals), bidirectional overrides that reorder what is shown
// (U+202E makes "evil‮txt.so" read "evil os.txt"), invisible format characters that make two
// names look alike, and line separators. Invalid UTF-8 is shown byte by byte, so what is
// printed is always valid UTF-8 and says exactly which bytes were there.
#include <fmt/core.h>

#include <cstdint>
#include <utility>

#include "core/log.hpp"

namespace kcpp::log {

namespace {

// Unicode's format characters (general category Cf, Unicode 15.1) and the line and paragraph
// separators (Zl, Zp): invisible, or they move text around. Python's str.isprintable() is
// false for all of them as well.
constexpr std::pair<char32_t, char32_t> kUnsafeRanges[] = {
    {0x0080, 0x009F},    // C1 controls
    {0x00AD, 0x00AD},    // soft hyphen
    {0x0600, 0x0605},    // Arabic number signs
    {0x061C, 0x061C},    // Arabic letter mark (bidi)
    {0x06DD, 0x06DD},    {0x070F, 0x070F}, {0x0890, 0x0891}, {0x08E2, 0x08E2},
    {0x180E, 0x180E},    // Mongolian vowel separator
    {0x200B, 0x200F},    // zero-width space/joiners, LRM, RLM
    {0x2028, 0x202E},    // line/paragraph separators, bidi embeddings and overrides
    {0x2060, 0x2064},    // word joiner, invisible operators
    {0x2066, 0x206F},    // bidi isolates, deprecated format characters
    {0xFEFF, 0xFEFF},    // zero-width no-break space (BOM)
    {0xFFF9, 0xFFFB},    // interlinear annotation
    {0x110BD, 0x110BD},  {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A},
    {0xE0001, 0xE0001},  // language tag
    {0xE0020, 0xE007F},  // tag characters (invisible ASCII look-alikes)
};

bool unsafe_code_point(char32_t cp) {
  for (const auto& [lo, hi] : kUnsafeRanges)
    if (cp >= lo && cp <= hi) return true;
  return false;
}

// Decodes the UTF-8 sequence at TEXT[I]: {code point, length}, or length 0 when the bytes
// there are not valid UTF-8 (stray continuation byte, truncated or overlong sequence,
// surrogate, beyond U+10FFFF).
std::pair<char32_t, std::size_t> decode(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2, cp = lead & 0x1F, min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3, cp = lead & 0x0F, min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return {0, 0};
  }
  if (i + len > text.size()) return {0, 0};
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {0, 0};
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0, 0};
  return {cp, len};
}

bool all_plain_ascii(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) return false;
  }
  return true;
}

}  // namespace

std::string escape_controls(std::string_view text) {
  if (all_plain_ascii(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 16);
  for (std::size_t i = 0; i < text.size();) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (u < 0x80) {
      if (u < 0x20 || u == 0x7f)
        out += fmt::format("\\x{:02x}", u);
      else
        out += static_cast<char>(u);
      ++i;
      continue;
    }
    auto [cp, len] = decode(text, i);
    if (len == 0) {  // not UTF-8: the byte as it is
      out += fmt::format("\\x{:02x}", u);
      ++i;
      continue;
    }
    if (unsafe_code_point(cp))
      out += cp <= 0xFFFF ? fmt::format("\\u{:04x}", static_cast<std::uint32_t>(cp))
                          : fmt::format("\\U{:08x}", static_cast<std::uint32_t>(cp));
    else
      out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

std::string escape_lines(std::string_view text, std::string_view indent) {
  if (all_plain_ascii(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 16);
  for (std::size_t start = 0;;) {
    const auto nl = text.find('\n', start);
    const auto line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    if (start > 0 && !line.empty()) out += indent;
    out += escape_controls(line);
    if (nl == std::string_view::npos) break;
    out += '\n';
    start = nl + 1;
  }
  return out;
}

std::string escape_json_output(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  auto u_escape = [&](std::uint32_t unit) { out += fmt::format("\\u{:04x}", unit); };
  for (std::size_t i = 0; i < json.size();) {
    const auto u = static_cast<unsigned char>(json[i]);
    if (u < 0x80) {
      // JSON text has no raw C0 control outside strings, and strings escape them; DEL may
      // be raw in a string: \u007f is the same string.
      if (u == 0x7f)
        u_escape(u);
      else
        out += static_cast<char>(u);
      ++i;
      continue;
    }
    auto [cp, len] = decode(json, i);
    if (len == 0) {  // JSON must be UTF-8: the replacement character, as dump(replace) does
      u_escape(0xFFFD);
      ++i;
      continue;
    }
    if (!unsafe_code_point(cp)) {
      out.append(json.substr(i, len));
    } else if (cp <= 0xFFFF) {
      u_escape(cp);
    } else {  // a UTF-16 surrogate pair, as JSON spells code points beyond the BMP
      const std::uint32_t v = static_cast<std::uint32_t>(cp) - 0x10000;
      u_escape(0xD800 + (v >> 10));
      u_escape(0xDC00 + (v & 0x3FF));
    }
    i += len;
  }
  return out;
}

}  // namespace kcpp::log
