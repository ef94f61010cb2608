#pragma once
// Logging set-up (spdlog to stderr) and secret redaction. Data goes to stdout; logs,
// warnings and progress to stderr.
#include <string>
#include <string_view>

namespace kcpp::log {

// verbosity: 0 = warnings (default), 1 = info (-v), 2+ = debug (-vv).
void setup(int verbosity);

// Replaces bearer tokens (hf_…, "Bearer …"), URL query signatures and every registered
// secret with "***".
std::string redact(std::string_view text);

// Registers SECRET (the user's token) for redact(): whatever its shape, it is masked wherever
// it appears — a server that quotes the token back in an error message must not make us print
// it. Thread-safe; secrets shorter than 4 characters are ignored (they would mask ordinary text).
void add_secret(std::string_view secret);

// TEXT with control characters (below 0x20, and 0x7f) shown as \xNN: text from a file or a
// server put into a message stays on one line and cannot drive the terminal.
std::string escape_controls(std::string_view text);

// Whether colour should be used on this stream (isatty and NO_COLOR unset).
bool use_color(int fd);

}  // namespace kcpp::log
