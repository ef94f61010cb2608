#pragma once
// The little bit of Python text semantics that upstream's messages and regexes expose:
// repr() of a str (the `{s!r}` in error messages), repr() of a list of str, and which
// code points `\d` matches in a str regex (any Unicode decimal digit, not just 0-9).
// Tables come from CPython 3.11 (the oracle's interpreter), see unicode_tables.cpp.
#include <string>
#include <string_view>
#include <vector>

namespace kcpp::variant::pytext {

// str.isprintable() for one code point (what repr() leaves unescaped).
bool is_printable(char32_t c);
// re's `\d` for str patterns (Unicode category Nd).
bool is_digit(char32_t c);

// Decodes UTF-8 like os.fsdecode (surrogateescape): each byte that is not part of a valid
// sequence becomes U+DC80..U+DCFF.
std::u32string decode_utf8(std::string_view s);
// Encodes back; lone U+DC80..U+DCFF become the original byte again.
std::string encode_utf8(std::u32string_view s);

// Python repr() of a str: 'abc', "it's", 'a"b\'c', '\n', '\x85', 'é'.
std::string repr(std::string_view s);
// Python repr() of a list of str: ['cu128', 'x86_64'], [].
std::string list_repr(const std::vector<std::string>& items);

}  // namespace kcpp::variant::pytext
