#pragma once
// Running the build tools (cmake, nvcc --version, python): stdout and stderr merged,
// appended to a log file, streamed to our stderr when asked, and the tail kept for error
// messages. No shell is involved; quote_command() gives a line a user can paste.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kcpp::builder {

struct ProcessResult {
  int exit_code = -1;  // the exit status, 128 + N when killed by signal N, -1 when it did not start
  std::string output;  // merged stdout+stderr, at most the last `keep_bytes` bytes
};

struct ProcessOptions {
  std::filesystem::path log;   // appended to when set
  bool stream = false;         // copy the output to our stderr as it comes
  std::size_t keep_bytes = 64 * 1024;
};

// Throws kcpp::Error(io) only when the log cannot be opened; a program that cannot be
// started gives exit_code 127 and says so in `output`.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// POSIX-shell quoting of ARGV, for "to reproduce, run: …" lines.
std::string quote_command(const std::vector<std::string>& argv);

// The last N lines of TEXT.
std::string tail_lines(const std::string& text, std::size_t n);

// The first executable NAME on $PATH, if any.
std::optional<std::filesystem::path> find_on_path(const std::string& name);

}  // namespace kcpp::builder
