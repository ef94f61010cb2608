#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "server/auth.hpp"
#include "server/http_errors.hpp"
#include "server/http_util.hpp"
#include "server/request_log.hpp"
#include "server/router.hpp"

using namespace kcpp;
using namespace kcpp::server;
using Kind = http::RangeDecision::Kind;

TEST_CASE("paths split on '/' before decoding, so %2F stays inside a segment", "[server][http]") {
  CHECK(http::split_path("/api/kernels/a/b/tree/refs%2Fheads%2Fv1/build%2Ftorch-cuda") ==
        std::vector<std::string>{"api", "kernels", "a", "b", "tree", "refs/heads/v1", "build/torch-cuda"});
  CHECK(http::split_path("//a///b/") == std::vector<std::string>{"a", "b"});
  CHECK(http::split_path("/a%20b+c") == std::vector<std::string>{"a b+c"});
  CHECK_THROWS_AS(http::split_path("/a%2"), Error);
  CHECK_THROWS_AS(http::split_path("/a%zz"), Error);
  CHECK_THROWS_AS(http::split_path("/a%00"), Error);
  CHECK(http::target_path("/a/b?x=1#f") == "/a/b");
  CHECK(http::percent_encode("refs/pr/3") == "refs%2Fpr%2F3");
  CHECK(http::percent_encode("a b/c", "/") == "a%20b/c");
}

TEST_CASE("Range headers resolve against the resource size", "[server][http]") {
  auto r = http::decide_range("bytes=1-2", 6);
  CHECK(r.kind == Kind::partial);
  CHECK(r.range.first == 1);
  CHECK(r.range.last == 2);
  r = http::decide_range("bytes=4-", 6);
  CHECK((r.kind == Kind::partial && r.range.first == 4 && r.range.last == 5));
  r = http::decide_range("bytes=-2", 6);
  CHECK((r.kind == Kind::partial && r.range.first == 4 && r.range.last == 5));
  r = http::decide_range("bytes=-100", 6);
  CHECK((r.kind == Kind::partial && r.range.first == 0 && r.range.last == 5));
  r = http::decide_range("bytes=2-100", 6);
  CHECK((r.kind == Kind::partial && r.range.last == 5 && r.range.length() == 4));
  CHECK(http::decide_range("bytes=6-", 6).kind == Kind::unsatisfiable);
  CHECK(http::decide_range("bytes=100-200", 6).kind == Kind::unsatisfiable);
  CHECK(http::decide_range("bytes=-0", 6).kind == Kind::unsatisfiable);
  CHECK(http::decide_range("bytes=0-", 0).kind == Kind::unsatisfiable);
  // Ignored (whole resource): absent, malformed, inverted, multi-range, other units.
  for (const char* h : {"", "bytes=", "bytes=a-b", "bytes=5-2", "bytes=0-1,3-4", "items=0-1", "bytes=1"})
    CHECK(http::decide_range(h, 6).kind == Kind::full);
}

TEST_CASE("routes: API, resolve with and without the kernels/ prefix, lfs objects", "[server][router]") {
  auto route = [](std::string_view path) { return match_route(http::split_path(path)); };
  auto r = route("/api/kernels/org/k/tree/refs%2Fheads%2Fv1/build%2Ftorch-cuda");
  CHECK(r.kind == Route::Kind::repo_tree);
  CHECK(r.type == RepoType::kernel);
  CHECK(r.repo_id == "org/k");
  CHECK(r.revision == "refs/heads/v1");
  CHECK(r.path == "build/torch-cuda");
  r = route("/api/kernels/org/k/tree/refs/heads/v1/build/torch-cuda");  // unencoded forms
  CHECK((r.revision == "refs/heads/v1" && r.path == "build/torch-cuda"));
  r = route("/api/models/org/m/tree/main");
  CHECK((r.kind == Route::Kind::repo_tree && r.type == RepoType::model && r.path.empty()));
  CHECK(route("/api/kernels/org/k").kind == Route::Kind::repo_info);
  CHECK_FALSE(route("/api/kernels/org/k").revision.has_value());
  r = route("/api/kernels/org/k/revision/refs%2Fpr%2F3");
  CHECK((r.kind == Route::Kind::repo_info && r.revision == "refs/pr/3"));
  CHECK(route("/api/kernels/org/k/refs").kind == Route::Kind::repo_refs);
  CHECK(route("/api/whoami-v2").kind == Route::Kind::whoami);
  r = route("/kernels/org/k/resolve/main/build/x/_ops.so");
  CHECK((r.kind == Route::Kind::resolve && r.type == RepoType::kernel && r.path == "build/x/_ops.so"));
  r = route("/org/m/resolve/abc1234/config.json");
  CHECK(
      (r.kind == Route::Kind::resolve && r.type == RepoType::model && r.repo_id == "org/m" && r.revision == "abc1234"));
  r = route("/kernels/foo/resolve/main/x");  // a *model* named kernels/foo
  CHECK((r.kind == Route::Kind::resolve && r.type == RepoType::model && r.repo_id == "kernels/foo"));
  CHECK(route("/lfs-objects/abc").kind == Route::Kind::lfs_object);
  CHECK(route("/").kind == Route::Kind::unknown);
  CHECK(route("/api/datasets/a/b/refs").kind == Route::Kind::unknown);
  CHECK(route("/api/kernels/a/b/tree").kind == Route::Kind::unknown);
}

TEST_CASE("bearer tokens: anonymous, valid, invalid", "[server][auth]") {
  TokenSet none({});
  CHECK(none.classify("Bearer anything") == AuthState::anonymous);
  TokenSet tokens({"hf_secret", "other"});
  CHECK(tokens.classify("") == AuthState::anonymous);
  CHECK(tokens.classify("Bearer hf_secret") == AuthState::valid);
  CHECK(tokens.classify("bearer other") == AuthState::valid);
  CHECK(tokens.classify("Bearer hf_secre") == AuthState::invalid);
  CHECK(tokens.classify("Bearer hf_secretx") == AuthState::invalid);
  CHECK(tokens.classify("Basic aGZfc2VjcmV0") == AuthState::invalid);
  CHECK(tokens.classify("Bearer ") == AuthState::invalid);
}

TEST_CASE("request log lines have four fields", "[server][log]") {
  CHECK(RequestLog::format("GET", "/api/kernels/a/b/refs", 200, 12) == "GET /api/kernels/a/b/refs 200 12");
  CHECK(RequestLog::format("HEAD", "/a b", 404, 0) == "HEAD /a\\x20b 404 0");
}

TEST_CASE("request log lines escape every byte a terminal could act on", "[server][log]") {
  // ESC sequences, BEL, a C1 CSI byte (0x9b), CR/LF and NUL from the request target.
  CHECK(RequestLog::format("GET", std::string_view("/x\x1b[31mred\x07\x9b\r\n\0y", 16), 400, 0) ==
        "GET /x\\x1b[31mred\\x07\\x9b\\x0d\\x0a\\x00y 400 0");
  // The backslash is escaped too, so "\\x1b" in a path cannot pass for an escaped ESC.
  CHECK(RequestLog::format("GET", "/a\\x1b", 200, 1) == "GET /a\\x5cx1b 200 1");
  CHECK(RequestLog::format("G\x1bT", "/", 200, 1) == "G\\x1bT / 200 1");
}

TEST_CASE("timestamps and flags", "[server][http]") {
  CHECK(http::iso8601_utc(0) == "1970-01-01T00:00:00.000Z");
  CHECK(http::iso8601_utc(1782900000) == "2026-07-01T10:00:00.000Z");
  CHECK(http::parse_flag("true") == true);
  CHECK(http::parse_flag("1") == true);
  CHECK(http::parse_flag("False") == false);
  CHECK_FALSE(http::parse_flag("maybe").has_value());
}

TEST_CASE("error answers never carry server paths", "[server][http]") {
  httplib::Response res;
  set_error(res, 400, "BadRequest", "cannot lock '/srv/hub/repos/models/a/b.git/refs/heads/x.lock'");
  scrub_error(res, {"/srv/hub", "/real/srv/hub"});
  CHECK(res.get_header_value("X-Error-Message") == "cannot lock '<storage>/repos/models/a/b.git/refs/heads/x.lock'");
  CHECK(res.body.find("/srv/hub") == std::string::npos);
  // File content (no X-Error-Message) is never touched.
  httplib::Response file;
  file.status = 404;
  file.set_content("/srv/hub", "text/plain");
  scrub_error(file, {"/srv/hub"});
  CHECK(file.body == "/srv/hub");
  // Internal errors answer an id only.
  httplib::Response internal;
  set_internal_error(internal, "failed to open '/srv/hub/repos/x'");
  CHECK(internal.status == 500);
  CHECK(internal.body.find("/srv/hub") == std::string::npos);
  CHECK(internal.get_header_value("X-Error-Message").rfind("internal error ", 0) == 0);
}
