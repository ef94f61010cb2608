#pragma once
// Whether a write request (POST, PUT, PATCH, DELETE) is refused on its headers alone, before
// a byte of its body is read, and how large a body it may send otherwise.
//
// Reading first and refusing afterwards let anyone make the server swallow gigabytes: an
// unauthenticated 200 MB POST was drained to its end before its 413. Everything the headers
// tell is decided here: the route and method, the credentials (every write but the ticketed
// LFS upload PUT and validate-yaml needs a valid token) and the announced Content-Length
// against the route's limit. Refused requests are answered at once and their connection is
// closed (the unread body cannot be skipped); `Expect: 100-continue` gets the refusal
// instead of the 100. Bodies sent chunked are held to the same limit while they arrive.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/auth.hpp"
#include "server/router.hpp"

namespace kcpp::server {

// Commit bodies: streamed (inline files go to temp files and the LFS store), so the limit
// is about disk, like an LFS upload's.
inline constexpr std::uint64_t kMaxCommitBody = 4ull << 30;
// JSON bodies (create repo, branch, preupload, LFS batch/verify), parsed in memory.
inline constexpr std::uint64_t kMaxJsonBody = 16ull << 20;
// Bodies of requests that need no token (validate-yaml) and of any other method.
inline constexpr std::uint64_t kMaxSmallBody = 1ull << 20;

struct WriteRequest {
  std::string_view method;
  Route::Kind route = Route::Kind::unknown;  // already Kind::unknown on the LFS listener (except the PUT)
  AuthState auth = AuthState::anonymous;
  bool writes_enabled = false;                // tokens are configured
  std::optional<std::string_view> content_length;  // the header, when present
  bool chunked = false;                            // Transfer-Encoding: chunked
};

struct WriteAdmission {
  int status = 0;  // 0: go on; else refuse with this status, CODE and MESSAGE
  std::string code;
  std::string message;
  std::uint64_t body_limit = 0;  // accepted requests: the most body bytes to read
};

// The methods ROUTE accepts (empty: a read-only or unknown endpoint).
std::vector<std::string_view> write_methods(Route::Kind route);

WriteAdmission admit_write(const WriteRequest& request);

}  // namespace kcpp::server
