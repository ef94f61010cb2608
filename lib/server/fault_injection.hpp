#pragma once
// Fault injection for client tests: `kernels-hub serve --inject SPEC` (status answers only)
// and `--faults SPEC` (every kind below, plus a seeded random mode). Pure decisions, no
// HTTP library: fault_response.hpp applies a decision to a response.
//
// --inject SPEC: STATUS[xCOUNT][@ERROR_CODE][:PATH_PREFIX]
//   STATUS       HTTP status to answer, 400–599
//   xCOUNT       answer that many matching requests (>= 1); without it, every matching one
//   @ERROR_CODE  also send `X-Error-Code: ERROR_CODE` (e.g. RevisionNotFound), to stand in
//                for Hub errors that real storage cannot produce on demand
//   :PATH_PREFIX only requests whose path (as sent, or percent-decoded) starts with it;
//                without it, every request
// Examples: "500x2:/api/kernels/", "429x1", "404x1@RevisionNotFound:/api/kernels/org/k/tree/".
//
// --faults SPEC: KIND[=ARG][xCOUNT][@ERROR_CODE][:PATH_PREFIX], KIND one of
//   STATUS        as --inject (ARG: Retry-After seconds for 429 and 503, default 1)
//   reset         TCP reset (RST) halfway through the response body; a write request (POST,
//                 PUT, DELETE, PATCH) is reset before the server acts on it (not applied)
//   truncate      full Content-Length, then the connection closes halfway through the body;
//                 a write request has been applied (its answer is lost)
//   stall         the body pauses halfway for ARG ms (default 2000), then completes
//   wrong-etag    resolve / LFS object answers carry a different ETag (and X-Linked-Etag)
//   corrupt-lfs   one byte in the middle of an LFS object body (/lfs-objects/) is flipped
// or the seeded random mode (at most one):
//   random:seed=S,rate=R[,count=N][,kinds=K+K+…][,stall=MS][,retry-after=S][,prefix=/P]
//   each request matching the prefix gets a fault with probability R (0 < R <= 1), its kind
//   drawn among the KINDS that apply to it (default 500+502+503+429+reset+truncate+stall+
//   wrong-etag+corrupt-lfs); at most N faults in all. A decision depends only on the seed,
//   the method and path, and how many times that method and path were asked before, so a
//   sequential client sees the same faults on every run.
// Which requests a kind applies to: status faults any; reset, truncate and stall any but
// HEAD and OPTIONS (no body to break); wrong-etag GET/HEAD of resolve and /lfs-objects/;
// corrupt-lfs GET of /lfs-objects/. A rule whose kind does not apply to a request does not
// match it (no count is spent). Empty bodies are announced as one byte, so reset and
// truncate always break the response.
// Several rules may be active; the first one (in command-line order, --inject first) that
// matches and still has a count left fires, else the random mode decides.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kcpp::server {

enum class FaultKind { status, reset, truncate, stall, wrong_etag, corrupt_lfs };

struct FaultSpec {
  int status = 500;
  std::optional<long> count;  // nullopt: unlimited
  std::string path_prefix;    // empty: every path
  std::string error_code;     // empty: no X-Error-Code
  FaultKind kind = FaultKind::status;
  long arg = -1;  // -1: the kind's default (see arg_or_default)
  friend bool operator==(const FaultSpec&, const FaultSpec&) = default;

  // "500", "429", "reset", "truncate", "stall", "wrong-etag", "corrupt-lfs" (the fault log's KIND).
  std::string name() const;
  // Retry-After seconds for status faults (1), stall milliseconds (2000); ARG when given.
  long arg_or_default() const;
};

struct RandomFaults {
  std::uint64_t seed = 0;
  double rate = 0.1;
  std::vector<FaultSpec> kinds;  // candidates (their count and prefix are ignored)
  std::optional<long> count;     // at most this many random faults; nullopt: no limit
  std::string path_prefix;
  friend bool operator==(const RandomFaults&, const RandomFaults&) = default;
};

// Throws kcpp::Error(usage) explaining the syntax when TEXT is malformed (--inject).
FaultSpec parse_fault_spec(std::string_view text);
// One --faults rule (any kind); "random:..." is parse_random_faults'.
FaultSpec parse_fault_rule(std::string_view text);
// "random:seed=S,rate=R[,...]".
RandomFaults parse_random_faults(std::string_view text);
inline bool is_random_faults_spec(std::string_view text) { return text.rfind("random:", 0) == 0; }

// What the injector looks at.
struct FaultRequest {
  std::string_view method = "GET";
  std::string_view path;          // as sent (percent-encoded, no query)
  std::string_view decoded_path;  // percent-decoded
};

// Whether a fault of KIND can break the answer to REQUEST (see the file comment).
bool fault_applies(FaultKind kind, const FaultRequest& request);

// Thread-safe: concurrent requests consume counts exactly once each.
class FaultInjector {
 public:
  explicit FaultInjector(std::vector<FaultSpec> specs, std::optional<RandomFaults> random = std::nullopt)
      : specs_(std::move(specs)), random_(std::move(random)) {}
  // The fault to inject for REQUEST, consuming one count; nullopt when none fires.
  std::optional<FaultSpec> take(const FaultRequest& request);
  // A GET to PATH (encoded) / DECODED_PATH.
  std::optional<FaultSpec> take(std::string_view path, std::string_view decoded_path) {
    return take(FaultRequest{"GET", path, decoded_path});
  }
  bool empty() const { return specs_.empty() && !random_; }

 private:
  std::optional<FaultSpec> take_random(const FaultRequest& request);

  std::mutex mu_;
  std::vector<FaultSpec> specs_;
  std::optional<RandomFaults> random_;
  long random_fired_ = 0;
  std::map<std::string, std::uint64_t> seen_;  // "METHOD PATH" → requests so far (random mode)
};

}  // namespace kcpp::server
