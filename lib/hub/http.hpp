#pragma once
// A small synchronous HTTP layer over libcurl: one request → one response, no automatic
// redirects (callers decide, so Authorization never follows a redirect to another host),
// plus the pure retry predicates the Hub client uses. Thread-safe: each call uses its own
// easy handle; connections and DNS are shared through a curl share handle.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace kcpp::hub {

using Headers = std::vector<std::pair<std::string, std::string>>;

// A request body produced while it is sent (an LFS object streamed from disk): SIZE bytes,
// READ(offset, buf, max) copies up to MAX bytes starting at OFFSET into BUF and returns how
// many (> 0 until OFFSET reaches SIZE). Offset-based so that libcurl may rewind it and a
// retried request simply starts again at 0. READ may throw; perform() rethrows that error.
struct BodySource {
  std::uint64_t size = 0;
  std::function<std::size_t(std::uint64_t offset, char* buf, std::size_t max)> read;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::optional<std::string> body;
  // Streamed body instead of `body` (sent with Content-Length, no Expect: 100-continue).
  std::optional<BodySource> body_source;
  bool decode_content = true;  // send Accept-Encoding and decode (never for file bodies)
  // Streaming sink for the body; when set, HttpResponse::body stays empty. Return false to abort.
  std::function<bool(std::string_view)> on_body;
  // Called once, before the first body byte reaches on_body, with the final status and
  // headers. Return false to keep the body out of on_body (it is collected into
  // HttpResponse::body instead, e.g. an error document).
  std::function<bool(long status, const Headers& headers)> on_response_start;
  // Cap of a body collected into HttpResponse::body (0 = none), counted on the decoded bytes
  // as they arrive: a larger answer aborts the transfer (a gzip bomb never reaches memory).
  // Bodies given to on_body are the sink's to bound.
  std::uint64_t max_body_bytes = 0;
  // Refuse http:// (the endpoint is https): libcurl's protocol allow-list for this request,
  // which is otherwise http and https only.
  bool https_only = false;
};

struct HttpResponse {
  long status = 0;
  Headers headers;  // names lower-cased, in arrival order (final response only)
  std::string body;
  std::string url;

  // First header with this (lower-case) name.
  std::optional<std::string> header(std::string_view lower_name) const;
};

struct HttpTimeouts {
  std::chrono::milliseconds connect{10000};
  // Abort when fewer than 1 byte/s arrives for this long (a stalled response).
  std::chrono::milliseconds stall{10000};
  // Abort when fewer than low_speed_bytes_per_s bytes/s (sent and received together) moved,
  // on average, over a window of low_speed_window (never shorter than `stall`): a body
  // dripped a byte at a time never trips the stall rule above.
  std::uint64_t low_speed_bytes_per_s = 1024;
  std::chrono::milliseconds low_speed_window{30000};
  // The whole request, from connect to the last byte (API calls; not file bodies, which
  // may be large and rely on the two rules above).
  std::optional<std::chrono::milliseconds> deadline;
};

// "64 MiB" for a whole number of MiB, else "N bytes" (limits named in messages).
std::string format_bytes(std::uint64_t n);

// The window the low-speed rule uses for T: low_speed_window, at least T.stall.
std::chrono::milliseconds low_speed_window(const HttpTimeouts& t);

// Most bytes of response headers accepted per request (libcurl caps one line at 100 KiB, not
// their number): a server sending headers for ever is cut off here.
inline constexpr std::size_t kMaxHeaderBytes = 1 << 20;

// Performs one request. Throws TransportError (a kcpp::Error(network)) for transport
// failures (DNS, refused, reset, timeout, TLS); the message names the URL (redacted) and
// curl's reason. Its retry class (Error::retry) is transient when retryable, else permanent.
// An exception thrown by a BodySource's READ is rethrown as is. A collected body over
// max_body_bytes, or headers over kMaxHeaderBytes, is kcpp::Error(http) (not retried).
// Only http and https URLs are ever fetched (https only with request.https_only), with
// redirects never followed: callers check server-given URLs (server_url.hpp) first.
HttpResponse perform(const HttpRequest& request, const HttpTimeouts& timeouts);

// Whether a transport failure with this curl code is worth retrying.
bool is_transient_curl_code(int curl_code);

// Whether a failure with this curl code happened before any byte of the request could have
// reached the server (name resolution, connection refused/unreachable): only such failures
// may be retried for a request that must not run twice (a commit).
bool is_unsent_curl_code(int curl_code);

class TransportError : public Error {
 public:
  TransportError(std::string message, int curl_code, bool too_slow = false)
      : Error(ErrorKind::network, std::move(message)), curl_code_(curl_code), too_slow_(too_slow) {}
  int curl_code() const noexcept { return curl_code_; }
  bool request_unsent() const noexcept { return is_unsent_curl_code(curl_code_); }
  // Cut by the low-speed rule: the bytes that did arrive are no sign of a working link.
  bool too_slow() const noexcept { return too_slow_; }

 private:
  int curl_code_;
  bool too_slow_;
};

// ---- Retry policy (pure; unit-tested) ----------------------------------------------

struct RetryPolicy {
  int max_retries = 5;               // attempts after the first
  double base_delay_s = 0.5;         // first backoff
  double max_delay_s = 8.0;          // cap of one backoff
  double max_total_s = 30.0;         // total time budget for sleeping
};

// Defaults, adjusted by KCPP_MAX_RETRIES and KCPP_RETRY_BASE_MS (tests shorten them).
RetryPolicy default_retry_policy();

// 408, 429, 500, 502, 503, 504.
bool is_retryable_status(long status);

// Integer-seconds Retry-After (HTTP-date form ignored, as huggingface_hub does).
std::optional<double> parse_retry_after(std::string_view value);

// Delay before retry number `attempt` (1-based): Retry-After + 1 s when given (like
// huggingface_hub), else exponential base·2^(attempt-1) capped at max_delay, scaled by a
// jitter factor in [0.75, 1.25] from jitter01 ∈ [0, 1).
double backoff_delay_s(const RetryPolicy& p, int attempt, std::optional<double> retry_after, double jitter01);
// DELAY shortened so that all waits of one operation stay within P.max_total_s, given SLEPT
// seconds already waited; nullopt once that budget is used up (the caller gives up).
std::optional<double> budgeted_delay_s(const RetryPolicy& p, double slept, double delay);

// Bounds of one file download whatever progress it makes: each GET that resumes may be
// answered with a short 200 that starts the file over, so "retry while bytes arrive" alone
// never ends. At most max_attempts GETs and max_bytes body bytes in all, for a file of SIZE.
struct DownloadBudget {
  int max_attempts = 0;
  std::uint64_t max_bytes = 0;
};
// 4 × (max_retries + 1) attempts plus one per 256 MiB of SIZE; 3 × SIZE + 16 MiB bytes.
DownloadBudget download_budget(const RetryPolicy& p, std::uint64_t size);

// Next-page URL from an RFC 5988 Link header (rel="next"), if any.
std::optional<std::string> parse_link_next(std::string_view link_header);

// Percent-encodes everything except A-Za-z0-9-._~ (a revision in a path: refs/pr/1 → refs%2Fpr%2F1).
std::string encode_component(std::string_view s);
// Percent-encodes each "/"-separated segment, keeping "/" (a file path in a resolve URL).
std::string encode_path(std::string_view s);

}  // namespace kcpp::hub
