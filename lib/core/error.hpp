#pragma once
// One error type for the whole project: what failed, why (a cause chain), and what the
// user can do (hints). The category decides the process exit code, so `main` is the only
// place that maps errors to exit codes.
#include <stdexcept>
#include <string>
#include <vector>

namespace kcpp {

enum class ErrorKind {
  failure,            // generic operation failure (exit 1)
  usage,              // bad command line / invalid argument (exit 2)
  io,                 // local file system
  parse,              // malformed input file or response
  network,            // could not reach the server (DNS, refused, timeout, reset)
  http,               // unexpected HTTP status
  unauthorized,       // 401 with bad credentials
  forbidden,          // 403
  repo_not_found,     // X-Error-Code: RepoNotFound
  revision_not_found, // X-Error-Code: RevisionNotFound
  entry_not_found,    // X-Error-Code: EntryNotFound
  gated,              // X-Error-Code: GatedRepo
  offline,            // HF_HUB_OFFLINE and the answer is not in the cache
  verification,       // content does not match what was expected
  conflict,           // 409: the resource exists, or a concurrent operation got there first
  precondition_failed, // 412: the branch moved since the parent commit the client named
};

// Exit codes: 0 ok, 1 the operation failed, 2 usage.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Whether trying the same request again may succeed: set by the transport on its failures
// (hub/http.hpp) for the retry loops; unknown elsewhere. Never shown to the user.
enum class Retry { unknown, transient, permanent };

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message) : std::runtime_error(std::move(message)), kind_(kind) {}

  ErrorKind kind() const noexcept { return kind_; }
  int exit_code() const noexcept { return kind_ == ErrorKind::usage ? kExitUsage : kExitFailure; }
  const std::vector<std::string>& hints() const noexcept { return hints_; }
  const std::vector<std::string>& causes() const noexcept { return causes_; }

  Error& hint(std::string h) & { hints_.push_back(std::move(h)); return *this; }
  Error&& hint(std::string h) && { hints_.push_back(std::move(h)); return std::move(*this); }
  Error& cause(std::string c) & { causes_.push_back(std::move(c)); return *this; }
  Error&& cause(std::string c) && { causes_.push_back(std::move(c)); return std::move(*this); }
  Retry retry() const noexcept { return retry_; }
  Error& retry(Retry r) & { retry_ = r; return *this; }
  Error&& retry(Retry r) && { retry_ = r; return std::move(*this); }
  bool is_transient() const noexcept { return retry_ == Retry::transient; }

  // This error as seen one level up: MESSAGE, caused by this error's message and causes,
  // with its hints and kind (so the exit code and the advice survive the rewording). The
  // retry class is not carried over: a reworded error is an outcome, not a transfer to retry.
  Error in_context(std::string message) const {
    Error out(kind_, std::move(message));
    out.causes_.push_back(what());
    for (const auto& c : causes_) out.causes_.push_back(c);
    out.hints_ = hints_;
    return out;
  }

 private:
  ErrorKind kind_;
  std::vector<std::string> hints_;
  std::vector<std::string> causes_;
  Retry retry_ = Retry::unknown;
};

inline Error usage_error(std::string message) { return Error(ErrorKind::usage, std::move(message)); }

// Renders `error: …` / `  caused by: …` / `hint: …` lines (no trailing newline).
// With color, the labels are coloured; the text is identical otherwise.
std::string render_error(const Error& e, bool color);

}  // namespace kcpp
