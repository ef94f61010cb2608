#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "hub/client.hpp"
#include "hub/errors.hpp"
#include "hub/http.hpp"
#include "hub/settings.hpp"
#include "hub/types.hpp"
#include "hub/user_agent.hpp"

using namespace kcpp;
using namespace kcpp::hub;

TEST_CASE("retryable statuses are huggingface_hub's", "[hub][retry]") {
  for (long s : {408, 429, 500, 502, 503, 504}) CHECK(is_retryable_status(s));
  for (long s : {200, 301, 400, 401, 403, 404, 409, 412, 501}) CHECK_FALSE(is_retryable_status(s));
}

TEST_CASE("Retry-After takes integer seconds only", "[hub][retry]") {
  CHECK(parse_retry_after("3") == 3.0);
  CHECK(parse_retry_after(" 12 ") == 12.0);
  CHECK_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
  CHECK_FALSE(parse_retry_after(""));
  CHECK_FALSE(parse_retry_after("-1"));
}

TEST_CASE("backoff doubles, is capped, jittered, and honours Retry-After", "[hub][retry]") {
  RetryPolicy p;
  p.base_delay_s = 1;
  p.max_delay_s = 8;
  CHECK(backoff_delay_s(p, 1, std::nullopt, 0.5) == Approx(1.0));
  CHECK(backoff_delay_s(p, 2, std::nullopt, 0.5) == Approx(2.0));
  CHECK(backoff_delay_s(p, 3, std::nullopt, 0.5) == Approx(4.0));
  CHECK(backoff_delay_s(p, 10, std::nullopt, 0.5) == Approx(8.0));
  CHECK(backoff_delay_s(p, 1, std::nullopt, 0.0) == Approx(0.75));
  CHECK(backoff_delay_s(p, 1, std::nullopt, 0.999) < 1.25);
  CHECK(backoff_delay_s(p, 4, 5.0, 0.3) == Approx(6.0));
}

TEST_CASE("waits are cut to the policy's total budget, then refused", "[hub][retry]") {
  RetryPolicy p;
  p.max_total_s = 30;
  CHECK(budgeted_delay_s(p, 0, 2.0) == Approx(2.0));
  CHECK(budgeted_delay_s(p, 29, 3600.0) == Approx(1.0));  // an hours-long Retry-After is cut
  CHECK(budgeted_delay_s(p, 10, 0.0) == Approx(0.0));     // Retry-After: 0 within the budget
  CHECK_FALSE(budgeted_delay_s(p, 30, 1.0));
  CHECK_FALSE(budgeted_delay_s(p, 31, 0.0));
}

TEST_CASE("Link rel=next is followed verbatim", "[hub][http]") {
  CHECK(parse_link_next(R"(<https://h/api/x?cursor=abc&limit=2>; rel="next")") == "https://h/api/x?cursor=abc&limit=2");
  CHECK(parse_link_next(R"(<https://h/p1>; rel="prev", <https://h/p3>; rel="next")") == "https://h/p3");
  CHECK_FALSE(parse_link_next(R"(<https://h/p1>; rel="prev")"));
  CHECK_FALSE(parse_link_next(""));
}

TEST_CASE("revisions are encoded whole, paths per segment", "[hub][http]") {
  CHECK(encode_component("refs/heads/v1") == "refs%2Fheads%2Fv1");
  CHECK(encode_component("main") == "main");
  CHECK(encode_path("build/torch-cuda/a b.py") == "build/torch-cuda/a%20b.py");
}

TEST_CASE("repo ids are validated like the Hub", "[hub][types]") {
  auto id = parse_repo_id("kernels-community/activation");
  CHECK(id.ns == "kernels-community");
  CHECK(id.name == "activation");
  for (const char* bad : {"", "activation", "a/b/c", "/b", "a/", "a--b/c", "a/b..c", "-a/b", "a/b.", "a b/c", "a/b?x"}) {
    INFO(bad);
    try {
      parse_repo_id(bad);
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.exit_code() == kExitUsage);
      CHECK(std::string(e.what()).find("invalid repo id") == 0);
    }
  }
}

TEST_CASE("commit shas are 40 lower-case hex", "[hub][types]") {
  CHECK(is_commit_sha("0123456789abcdef0123456789abcdef01234567"));
  CHECK_FALSE(is_commit_sha("0123456789ABCDEF0123456789abcdef01234567"));
  CHECK_FALSE(is_commit_sha("main"));
}

TEST_CASE("tokens go only to the endpoint's origin", "[hub][auth]") {
  CHECK(same_origin("http://127.0.0.1:8080/api/x", "http://127.0.0.1:8080"));
  CHECK_FALSE(same_origin("http://127.0.0.1:8081/x", "http://127.0.0.1:8080"));
  CHECK_FALSE(same_origin("https://cdn.example.com/x", "https://huggingface.co"));
  CHECK(same_origin("https://huggingface.co/x", "https://huggingface.co:443"));
  CHECK_FALSE(same_origin("http://huggingface.co/x", "https://huggingface.co"));
}

TEST_CASE("Hub errors map from X-Error-Code first", "[hub][errors]") {
  RequestContext ctx{parse_repo_id("org/k"), RepoType::kernel, std::string("v9"), std::nullopt, "http://h"};
  auto make = [](long status, const char* code) {
    HttpResponse r;
    r.status = status;
    r.url = "http://h/api/kernels/org/k/refs";
    if (code) r.headers.emplace_back("x-error-code", code);
    return r;
  };
  CHECK(error_from_response(make(404, "RevisionNotFound"), "GET", ctx).kind() == ErrorKind::revision_not_found);
  CHECK(error_from_response(make(404, "EntryNotFound"), "GET", ctx).kind() == ErrorKind::entry_not_found);
  CHECK(error_from_response(make(401, "RepoNotFound"), "GET", ctx).kind() == ErrorKind::repo_not_found);
  CHECK(error_from_response(make(403, "GatedRepo"), "GET", ctx).kind() == ErrorKind::gated);
  CHECK(error_from_response(make(404, nullptr), "GET", ctx).kind() == ErrorKind::repo_not_found);
  CHECK(error_from_response(make(500, nullptr), "GET", ctx).kind() == ErrorKind::http);
  auto bad_token = make(401, nullptr);
  bad_token.headers.emplace_back("x-error-message", "Invalid credentials in Authorization header");
  CHECK(error_from_response(bad_token, "GET", ctx).kind() == ErrorKind::unauthorized);
  std::string msg = error_from_response(make(404, "RevisionNotFound"), "GET", ctx).what();
  CHECK(msg == "revision 'v9' not found in kernel repository 'org/k'");
}

TEST_CASE("User-Agent has upstream's shape", "[hub][ua]") {
  UserAgentFacts f{"cu130", "x86_64-linux", std::string("2.11.0+cu130"), std::nullopt, std::string("2.36")};
  auto ua = user_agent(f, false);
  CHECK(ua.find("kernels-cpp/") == 0);
  CHECK(ua.find("; backend/cu130; platform/x86_64-linux; file_type/kernel; torch/2.11.0+cu130; glibc/2.36") !=
        std::string::npos);
  CHECK(user_agent(f, true).find(';') == std::string::npos);
}

TEST_CASE("libcurl itself speaks only http and https (the second wall)", "[hub][http][server_url]") {
  // Regression (security issue 12, items 1–3): no protocol allow-list, so a file:// or
  // gopher:// URL that reached perform() was fetched.
  auto curl_code = [](const std::string& url, bool https_only) {
    HttpRequest req;
    req.url = url;
    req.https_only = https_only;
    HttpTimeouts t;
    t.connect = std::chrono::milliseconds(500);
    try {
      auto r = perform(req, t);
      FAIL("fetched " << url << ": " << r.body.substr(0, 80));
    } catch (const TransportError& e) {
      return e.curl_code();
    }
    return -1;
  };
  constexpr int kUnsupported = 1;  // CURLE_UNSUPPORTED_PROTOCOL
  CHECK(curl_code("file:///etc/hostname", false) == kUnsupported);
  CHECK(curl_code("FILE:///etc/hostname", false) == kUnsupported);
  CHECK(curl_code("gopher://127.0.0.1:1/_x", false) == kUnsupported);
  CHECK(curl_code("dict://127.0.0.1:1/x", false) == kUnsupported);
  CHECK(curl_code("ftp://127.0.0.1:1/x", false) == kUnsupported);
  CHECK(curl_code("http://127.0.0.1:1/x", true) == kUnsupported);  // https endpoint: no clear text
  CHECK(curl_code("http://127.0.0.1:1/x", false) != kUnsupported);  // refused connection instead
}

TEST_CASE("a file download is bounded in attempts and bytes whatever its progress", "[hub][retry][budget]") {
  // Regression (security issue 12, item 6): each byte renewed the retry budget and each 200
  // to a Range restarted at byte 0, so a short-200 server looped for ever.
  RetryPolicy p;
  p.max_retries = 5;
  CHECK(download_budget(p, 8).max_attempts == 24);
  CHECK(download_budget(p, 8).max_bytes == 24 + (16u << 20));
  p.max_retries = 2;
  CHECK(download_budget(p, 8).max_attempts == 12);
  p.max_retries = 0;
  CHECK(download_budget(p, 0).max_attempts == 4);
  p.max_retries = -3;  // KCPP_MAX_RETRIES=-3 is no retry, not fewer attempts than one
  CHECK(download_budget(p, 0).max_attempts == 4);
  p.max_retries = 5;
  CHECK(download_budget(p, 1ull << 30).max_attempts == 24 + 4);  // one more per 256 MiB
  CHECK(download_budget(p, 1ull << 30).max_bytes == 3 * (1ull << 30) + (16u << 20));
  CHECK(download_budget(p, ~0ull).max_bytes == ~0ull);  // no overflow
  p.max_retries = 1 << 30;
  CHECK(download_budget(p, 8).max_attempts > 0);
}

TEST_CASE("the low-speed window is never shorter than the stall timeout", "[hub][http]") {
  HttpTimeouts t;
  CHECK(low_speed_window(t) == std::chrono::seconds(30));
  t.stall = std::chrono::minutes(2);  // a commit waits for the server's work
  CHECK(low_speed_window(t) == std::chrono::minutes(2));
  t.low_speed_window = std::chrono::seconds(2);
  t.stall = std::chrono::seconds(1);
  CHECK(low_speed_window(t) == std::chrono::seconds(2));
}

namespace {
struct ScopedEnv {
  std::vector<std::pair<std::string, std::optional<std::string>>> saved;
  void set(const char* name, const char* value) {
    const char* old = std::getenv(name);
    saved.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    for (auto it = saved.rbegin(); it != saved.rend(); ++it) {
      if (it->second) ::setenv(it->first.c_str(), it->second->c_str(), 1);
      else ::unsetenv(it->first.c_str());
    }
  }
};
}  // namespace

TEST_CASE("transport bounds come from the environment; nonsense keeps the defaults", "[hub][settings]") {
  ScopedEnv env;
  for (const char* name : {"KCPP_MAX_RESPONSE_MB", "KCPP_LOW_SPEED_LIMIT", "KCPP_LOW_SPEED_TIME", "KCPP_API_TIMEOUT",
                           "KCPP_ALLOW_HTTP_REDIRECTS"})
    env.set(name, nullptr);
  auto d = settings_from_env();
  CHECK(d.max_response_bytes == 64u << 20);
  CHECK(d.timeouts.low_speed_bytes_per_s == 1024);
  CHECK(d.timeouts.low_speed_window == std::chrono::seconds(30));
  CHECK(d.api_deadline == std::chrono::seconds(300));
  CHECK_FALSE(d.timeouts.deadline);  // applied per API call, never to file bodies
  CHECK_FALSE(d.allow_http_redirects);

  env.set("KCPP_MAX_RESPONSE_MB", "2");
  env.set("KCPP_LOW_SPEED_LIMIT", "4096");
  env.set("KCPP_LOW_SPEED_TIME", "2.5");
  env.set("KCPP_API_TIMEOUT", "7");
  env.set("KCPP_ALLOW_HTTP_REDIRECTS", "1");
  auto s = settings_from_env();
  CHECK(s.max_response_bytes == 2u << 20);
  CHECK(s.timeouts.low_speed_bytes_per_s == 4096);
  CHECK(s.timeouts.low_speed_window == std::chrono::milliseconds(2500));
  CHECK(s.api_deadline == std::chrono::seconds(7));
  CHECK(s.allow_http_redirects);

  // A typo or a zero must not switch a bound off.
  for (const char* bad : {"0", "-5", "lots", "1e30"}) {
    env.set("KCPP_MAX_RESPONSE_MB", bad);
    env.set("KCPP_API_TIMEOUT", bad);
    env.set("KCPP_LOW_SPEED_TIME", bad);
    auto b = settings_from_env();
    CHECK(b.max_response_bytes == 64u << 20);
    CHECK(b.api_deadline == std::chrono::seconds(300));
    CHECK(b.timeouts.low_speed_window == std::chrono::seconds(30));
  }
}
