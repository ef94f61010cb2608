#pragma once
// Logging set-up (spdlog to stderr) and secret redaction. Data goes to stdout; logs,
// warnings and progress to stderr.
#include <string>
#include <string_view>

namespace kcpp::log {

// verbosity: 0 = warnings (default), 1 = info (-v), 2+ = debug (-vv).
void setup(int verbosity);

// Replaces bearer tokens (hf_…, "Bearer …") and URL query signatures with "***".
std::string redact(std::string_view text);

// Whether colour should be used on this stream (isatty and NO_COLOR unset).
bool use_color(int fd);

}  // namespace kcpp::log
