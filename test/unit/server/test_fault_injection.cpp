#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "server/fault_injection.hpp"

using namespace kcpp;
using namespace kcpp::server;

TEST_CASE("fault specs parse STATUS[xCOUNT][:PATH_PREFIX]", "[server][faults]") {
  CHECK(parse_fault_spec("500") == FaultSpec{500, std::nullopt, "", ""});
  CHECK(parse_fault_spec("429x1") == FaultSpec{429, 1, "", ""});
  CHECK(parse_fault_spec("500x2:/api/kernels/") == FaultSpec{500, 2, "/api/kernels/", ""});
  CHECK(parse_fault_spec("503:/kernels/a/b/resolve/") == FaultSpec{503, std::nullopt, "/kernels/a/b/resolve/", ""});
  for (const char* bad : {"", "x2", "abc", "200", "600", "500x0", "500x-1", "500x", "500:", "500:api", "500x2x3"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_fault_spec(bad), Error);
  }
}

TEST_CASE("the injector consumes counts per matching request", "[server][faults]") {
  FaultInjector inj({parse_fault_spec("500x2:/api/kernels/"), parse_fault_spec("429x1")});
  CHECK(inj.take("/api/kernels/a/b/refs", "/api/kernels/a/b/refs")->status == 500);
  CHECK(inj.take("/kernels/a/b/resolve/main/x", "/kernels/a/b/resolve/main/x")->status == 429);  // second spec
  CHECK(inj.take("/api/kernels/a/b/refs", "/api/kernels/a/b/refs")->status == 500);
  CHECK_FALSE(inj.take("/api/kernels/a/b/refs", "/api/kernels/a/b/refs").has_value());
  CHECK_FALSE(inj.take("/other", "/other").has_value());
}

TEST_CASE("prefixes match the encoded or the decoded path", "[server][faults]") {
  FaultInjector inj({parse_fault_spec("500:/api/kernels/a/b/tree/refs/heads/v1")});
  CHECK(inj.take("/api/kernels/a/b/tree/refs%2Fheads%2Fv1", "/api/kernels/a/b/tree/refs/heads/v1")->status == 500);
  CHECK(inj.take("/api/kernels/a/b/tree/refs%2Fheads%2Fv1", "/api/kernels/a/b/tree/refs/heads/v1")->status == 500);  // unlimited
}

TEST_CASE("counts are consumed exactly once under concurrency", "[server][faults]") {
  FaultInjector inj({parse_fault_spec("500x100")});
  std::atomic<int> hits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i)
        if (inj.take("/x", "/x")) ++hits;
    });
  for (auto& t : threads) t.join();
  CHECK(hits == 100);
}

TEST_CASE("fault specs may carry a Hub error code", "[server][faults]") {
  auto spec = kcpp::server::parse_fault_spec("404x1@RevisionNotFound:/api/kernels/org/k/tree/");
  CHECK(spec.status == 404);
  CHECK(spec.count == 1L);
  CHECK(spec.error_code == "RevisionNotFound");
  CHECK(spec.path_prefix == "/api/kernels/org/k/tree/");
  CHECK(kcpp::server::parse_fault_spec("500").error_code.empty());
  CHECK_THROWS_AS(kcpp::server::parse_fault_spec("404@"), kcpp::Error);
  CHECK_THROWS_AS(kcpp::server::parse_fault_spec("404@Bad-Code"), kcpp::Error);
  kcpp::server::FaultInjector inj({spec});
  auto hit = inj.take("/api/kernels/org/k/tree/v1", "/api/kernels/org/k/tree/v1");
  REQUIRE(hit);
  CHECK(hit->error_code == "RevisionNotFound");
  CHECK_FALSE(inj.take("/api/kernels/org/k/tree/v1", "/api/kernels/org/k/tree/v1"));
}
