#pragma once
// Deterministic fault injection for client tests (`kernels-hub serve --inject SPEC`).
//
// SPEC syntax: STATUS[xCOUNT][@ERROR_CODE][:PATH_PREFIX]
//   STATUS       HTTP status to answer, 400–599
//   xCOUNT       answer that many matching requests (>= 1); without it, every matching one
//   @ERROR_CODE  also send `X-Error-Code: ERROR_CODE` (e.g. RevisionNotFound), to stand in
//                for Hub errors that real storage cannot produce on demand
//   :PATH_PREFIX only requests whose path (as sent, or percent-decoded) starts with it;
//                without it, every request
// Examples: "500x2:/api/kernels/", "429x1", "503:/kernels/org/k/resolve/",
//           "404x1@RevisionNotFound:/api/kernels/org/k/tree/".
// Several specs may be active; the first one (in command-line order) that matches and still
// has a count left fires. The injected answer carries `X-Error-Message: injected fault`, and
// `Retry-After: 1` for 429 and 503.
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kcpp::server {

struct FaultSpec {
  int status = 500;
  std::optional<long> count;  // nullopt: unlimited
  std::string path_prefix;    // empty: every path
  std::string error_code;     // empty: no X-Error-Code
  friend bool operator==(const FaultSpec&, const FaultSpec&) = default;
};

// Throws kcpp::Error(usage) explaining the syntax when TEXT is malformed.
FaultSpec parse_fault_spec(std::string_view text);

// Thread-safe: concurrent requests consume counts exactly once each.
class FaultInjector {
 public:
  explicit FaultInjector(std::vector<FaultSpec> specs) : specs_(std::move(specs)) {}
  // The fault to inject for a request to PATH (encoded) / DECODED_PATH, consuming one
  // count; nullopt when no active spec matches.
  std::optional<FaultSpec> take(std::string_view path, std::string_view decoded_path);
  bool empty() const { return specs_.empty(); }

 private:
  std::mutex mu_;
  std::vector<FaultSpec> specs_;
};

}  // namespace kcpp::server
