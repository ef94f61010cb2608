#pragma once
// Captures what is written to file descriptor 2 while it is alive. The torch C shim reports a
// failed call only as an error code; the exception text goes to stderr through c10's logging
// (`LOG(ERROR) << "Exception in aoti_torch: " << e.what()`), so this is how the benchmark
// learns why a call failed ("Could not find schema for …", a TORCH_CHECK message). Process-wide:
// use on one thread, around one call.
#include <string>

namespace kcpp::bench {

class StderrCapture {
 public:
  StderrCapture();   // redirects fd 2 to a temporary file (no-op if that fails)
  ~StderrCapture();  // restores fd 2
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  // Restores fd 2 and returns what was written meanwhile (once).
  std::string finish();

 private:
  int saved_ = -1, file_ = -1;
  bool done_ = false;
};

// The message of a captured shim failure: the text after "Exception in aoti_torch: " (or the
// whole text), without the C++ backtrace, trimmed and bounded.
std::string shim_error_message(const std::string& captured);

}  // namespace kcpp::bench
