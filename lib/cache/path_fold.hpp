#pragma once
// When two repository paths name the same file on some file system a cache may live on.
// macOS (APFS/HFS+) and Windows compare names case-insensitively, and macOS also ignores
// Unicode normalisation ("é" precomposed U+00E9 vs "e" + combining U+0301). A tree listing
// whose paths collide there would let one file silently replace another, so downloads refuse
// it (download_plan.hpp: check_tree_paths).
#include <string>
#include <string_view>

namespace kcpp::cache {

// A key equal for paths that may collide: ASCII letters lower-cased; Latin letters with
// diacritics (U+00C0–U+024F, U+1E00–U+1EFF) replaced by their lower-case base letter;
// combining diacritical marks (U+0300–U+036F, U+1AB0–U+1AFF, U+1DC0–U+1DFF, U+20D0–U+20FF,
// U+FE20–U+FE2F) dropped. It over-approximates (it also equates "café" and "cafe", which no
// file system does): a false alarm costs a refused listing, a missed collision a replaced file.
// Bytes that are not valid UTF-8 are kept as they are.
std::string collision_key(std::string_view path);

}  // namespace kcpp::cache
