#pragma once
// RFC 4648 base64 (standard alphabet): metadata.json file digests, the commit payload's
// inline files and preupload samples (encode), and kernels-hub reading those payloads (decode).
#include <string>
#include <string_view>

namespace kcpp {

// With '=' padding.
std::string base64_encode(std::string_view bytes);

// Strict: padding optional, no whitespace except '\n'/'\r'; throws kcpp::Error(parse) on
// anything else.
std::string base64_decode(std::string_view in);

}  // namespace kcpp
