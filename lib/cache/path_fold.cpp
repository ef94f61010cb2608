#include "cache/path_fold.hpp"

#include <cstdint>

namespace kcpp::cache {

namespace {

// Base letter ('.' for none) per code point, from Python's unicodedata: the first character
// of the NFD decomposition when it is an ASCII letter followed only by combining marks.
// U+00C0..U+024F
constexpr std::string_view kLatin1ToExtB =
    "aaaaaa.ceeeeiiii.nooooo..uuuuy..aaaaaa.ceeeeiiii.nooooo..uuuuy.y"
    "aaaaaaccccccccdd..eeeeeeeeeegggggggghh..iiiiiiiii...jjkk.llllll."
    "...nnnnnn...oooooo..rrrrrrsssssssstttt..uuuuuuuuuuuuwwyyyzzzzzz."
    "................................oo.............uu..............."
    ".............aaiioouuuuuuuuuu.aaaa....ggkkoooo..j...gg..nnaa...."
    "aaaaeeeeiiiioooorrrruuuusstt..hh......aaeeooooooooyy............"
    "................"
    ;
// U+1E00..U+1EFF
constexpr std::string_view kLatinExtAdditional =
    "aabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmm"
    "mmmmnnnnnnnnoooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvv"
    "wwwwwwwwwwxxxxyyzzzzzzhtwy......aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeee"
    "eeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy......"
    ;

bool is_combining_mark(std::uint32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF) ||
         (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE20 && cp <= 0xFE2F);
}

char base_letter(std::uint32_t cp) {
  if (cp >= 0x00C0 && cp - 0x00C0 < kLatin1ToExtB.size()) return kLatin1ToExtB[cp - 0x00C0];
  if (cp >= 0x1E00 && cp - 0x1E00 < kLatinExtAdditional.size()) return kLatinExtAdditional[cp - 0x1E00];
  return '.';
}

// Decodes one UTF-8 sequence at S[I]; returns its length (0 when invalid) and sets CP.
std::size_t decode(std::string_view s, std::size_t i, std::uint32_t& cp) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 && b <= 0xDF ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = b & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

std::string collision_key(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size();) {
    const char c = path[i];
    if (static_cast<unsigned char>(c) < 0x80) {
      out += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    const std::size_t n = decode(path, i, cp);
    if (n == 0) {  // not UTF-8: compared as bytes
      out += c;
      ++i;
      continue;
    }
    if (!is_combining_mark(cp)) {
      const char base = base_letter(cp);
      if (base != '.')
        out += base;
      else
        out.append(path.substr(i, n));
    }
    i += n;
  }
  return out;
}

}  // namespace kcpp::cache
