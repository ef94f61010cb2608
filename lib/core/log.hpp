#pragma once
// Logging set-up (spdlog to stderr), secret redaction and the escaping of untrusted text.
// Data goes to stdout; logs, warnings and progress to stderr. Every log line passes
// escape_lines (the sink does it), so a server string in a log message cannot drive the
// terminal or forge a line.
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

// The one escaper of text from a server or a file (escape.cpp). TEXT with every character
// that could drive or deceive a terminal made visible: C0 controls (line breaks included)
// and DEL as \xNN, C1 controls, bidirectional overrides/isolates/marks, other invisible
// format characters (Unicode Cf) and the line/paragraph separators as \uXXXX (\UXXXXXXXX
// beyond U+FFFF), and each byte of invalid UTF-8 as \xNN. Plain ASCII and ordinary Unicode
// (é, ✅, 漢) are unchanged; the result is valid UTF-8 on one line, and escaping it again
// changes nothing.
std::string escape_controls(std::string_view text);

// escape_controls on each line of TEXT: the line breaks stay, and every line after the first
// that is not empty starts with INDENT. For the output boundaries (error printer, log sink,
// stdout), where our own text may span lines but a server's must not start one that looks
// like ours ("error: …" at column 0).
std::string escape_lines(std::string_view text, std::string_view indent = "");

// JSON text as nlohmann's dump() writes it, with the characters escape_controls would escape
// that JSON leaves raw (DEL, C1, format characters, separators) spelled \uXXXX (a surrogate
// pair beyond U+FFFF), and invalid UTF-8 as \ufffd: still valid JSON that parses to the same
// strings, but `cat` of it cannot reorder or drive the terminal.
std::string escape_json_output(std::string_view json);

// Whether colour should be used on this stream (isatty and NO_COLOR unset).
bool use_color(int fd);

}  // namespace kcpp::log
