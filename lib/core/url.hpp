#pragma once
// Percent-coding shared by the Hub client (building URLs) and kernels-hub (parsing them).
#include <string>
#include <string_view>

namespace kcpp::url {

// Encodes everything except unreserved characters (A-Z a-z 0-9 - . _ ~) and those in SAFE:
// percent_encode("refs/pr/1") == "refs%2Fpr%2F1".
std::string percent_encode(std::string_view s, std::string_view safe = "");

// Decodes %XX escapes ('+' stays '+': this is for paths). Throws kcpp::Error(usage) on a
// malformed escape or an encoded NUL.
std::string percent_decode(std::string_view s);

}  // namespace kcpp::url
