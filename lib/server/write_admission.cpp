#include "server/write_admission.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace kcpp::server {

namespace {

WriteAdmission refuse(int status, std::string code, std::string message) {
  return WriteAdmission{status, std::move(code), std::move(message), 0};
}

std::uint64_t body_limit(Route::Kind route) {
  switch (route) {
    case Route::Kind::lfs_object:  // bounded by its ticket, checked before the body is read
      return std::numeric_limits<std::uint64_t>::max();
    case Route::Kind::repo_commit:
      return kMaxCommitBody;
    case Route::Kind::create_repo:
    case Route::Kind::repo_preupload:
    case Route::Kind::repo_branch:
    case Route::Kind::lfs_batch:
    case Route::Kind::lfs_verify:
      return kMaxJsonBody;
    default:
      return kMaxSmallBody;
  }
}

}  // namespace

std::vector<std::string_view> write_methods(Route::Kind route) {
  switch (route) {
    case Route::Kind::lfs_object:
      return {"PUT"};
    case Route::Kind::repo_branch:
      return {"POST", "DELETE"};
    case Route::Kind::create_repo:
    case Route::Kind::validate_yaml:
    case Route::Kind::repo_commit:
    case Route::Kind::repo_preupload:
    case Route::Kind::lfs_batch:
    case Route::Kind::lfs_verify:
      return {"POST"};
    default:
      return {};
  }
}

WriteAdmission admit_write(const WriteRequest& r) {
  if (r.auth == AuthState::invalid) return refuse(401, "Unauthorized", "Invalid credentials in Authorization header");
  if (r.route == Route::Kind::unknown) return refuse(404, "NotFound", "no such endpoint");
  auto methods = write_methods(r.route);
  if (methods.empty()) return refuse(405, "MethodNotAllowed", std::string(r.method) + " is not allowed on a read-only endpoint");
  if (std::find(methods.begin(), methods.end(), r.method) == methods.end())
    return refuse(405, "MethodNotAllowed", std::string(r.method) + " is not allowed on this endpoint");
  // The LFS upload PUT carries a ticket (checked by its handler before the body is read), and
  // huggingface_hub checks README metadata with validate-yaml without credentials.
  bool anonymous_ok = r.route == Route::Kind::lfs_object || r.route == Route::Kind::validate_yaml;
  if (!anonymous_ok && !r.writes_enabled)
    return refuse(401, "Unauthorized",
                  "this kernels-hub accepts no writes: it has no tokens configured (start it with --token)");
  if (!anonymous_ok && r.auth != AuthState::valid)
    return refuse(401, "Unauthorized", "A valid token is required for writes: send 'Authorization: Bearer <token>'");
  WriteAdmission out;
  out.body_limit = body_limit(r.route);
  if (r.content_length && !r.chunked) {
    std::uint64_t n = 0;
    auto v = *r.content_length;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size())
      return refuse(400, "BadRequest", "malformed Content-Length");
    if (n > out.body_limit)
      return refuse(413, "PayloadTooLarge",
                    "request body of " + std::to_string(n) + " bytes is larger than the " +
                        std::to_string(out.body_limit) + " bytes this endpoint accepts");
  }
  return out;
}

}  // namespace kcpp::server
