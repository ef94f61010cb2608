// Writes are refused on their headers (before any body byte is read) whenever the headers
// suffice: credentials, route and method, announced size.
#include <catch2/catch.hpp>

#include "server/write_admission.hpp"

using namespace kcpp::server;
using K = Route::Kind;

namespace {

WriteAdmission admit(std::string_view method, K route, AuthState auth, std::optional<std::string_view> length,
                     bool chunked = false, bool writes_enabled = true) {
  return admit_write(WriteRequest{method, route, auth, writes_enabled, length, chunked});
}

}  // namespace

TEST_CASE("writes without a valid token are refused on their headers, whatever their size", "[server][admission]") {
  CHECK(admit("POST", K::repo_commit, AuthState::anonymous, "209715200").status == 401);
  CHECK(admit("POST", K::repo_commit, AuthState::invalid, "10").status == 401);
  CHECK(admit("POST", K::create_repo, AuthState::anonymous, std::nullopt, true).status == 401);
  CHECK(admit("POST", K::repo_commit, AuthState::valid, "10", false, /*writes_enabled=*/false).status == 401);
  // The ticketed LFS PUT and validate-yaml need none.
  CHECK(admit("PUT", K::lfs_object, AuthState::anonymous, "1000000000").status == 0);
  CHECK(admit("POST", K::validate_yaml, AuthState::anonymous, "100").status == 0);
  CHECK(admit("POST", K::validate_yaml, AuthState::anonymous, "2000000").status == 413);
}

TEST_CASE("routes, methods and sizes decide on the headers", "[server][admission]") {
  CHECK(admit("POST", K::unknown, AuthState::valid, "10").status == 404);
  CHECK(admit("POST", K::repo_tree, AuthState::valid, "10").status == 405);
  CHECK(admit("PUT", K::repo_commit, AuthState::valid, "10").status == 405);
  CHECK(admit("DELETE", K::repo_branch, AuthState::valid, std::nullopt).status == 0);
  // JSON endpoints keep bodies in memory: 16 MiB at most, even with a token.
  CHECK(admit("POST", K::repo_preupload, AuthState::valid, "16777216").status == 0);
  CHECK(admit("POST", K::repo_preupload, AuthState::valid, "16777217").status == 413);
  CHECK(admit("POST", K::repo_preupload, AuthState::valid, std::nullopt, true).body_limit == kMaxJsonBody);
  // Commits are streamed: up to 4 GiB.
  CHECK(admit("POST", K::repo_commit, AuthState::valid, "1073741824").status == 0);
  CHECK(admit("POST", K::repo_commit, AuthState::valid, "4294967297").status == 413);
  for (const char* bad : {"", "-1", "12a", " 12", "99999999999999999999999"})
    CHECK(admit("POST", K::repo_commit, AuthState::valid, bad).status == 400);
}
