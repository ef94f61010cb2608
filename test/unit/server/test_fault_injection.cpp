#include <algorithm>
#include <atomic>
#include <cctype>
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

// ---- --faults: kinds, arguments, applicability, random mode ---------------------------

TEST_CASE("fault rules name a kind, an argument, a count and a prefix", "[server][faults]") {
  auto reset = parse_fault_rule("resetx2:/lfs-objects/");
  CHECK(reset.kind == FaultKind::reset);
  CHECK(reset.count == 2L);
  CHECK(reset.path_prefix == "/lfs-objects/");
  CHECK(reset.name() == "reset");
  auto stall = parse_fault_rule("stall=1500");
  CHECK(stall.kind == FaultKind::stall);
  CHECK(stall.arg_or_default() == 1500);
  CHECK(parse_fault_rule("stall").arg_or_default() == 2000);
  auto limited = parse_fault_rule("429=3x1:/api/");
  CHECK((limited.kind == FaultKind::status && limited.status == 429 && limited.arg_or_default() == 3));
  CHECK(parse_fault_rule("503").arg_or_default() == 1);
  CHECK(parse_fault_rule("wrong-etag").name() == "wrong-etag");
  CHECK(parse_fault_rule("corrupt-lfsx1").count == 1L);
  CHECK(parse_fault_rule("truncate:/kernels/").kind == FaultKind::truncate);
  // Every --inject spec is a --faults rule with the same meaning.
  CHECK(parse_fault_rule("404x1@RevisionNotFound:/api/x") == parse_fault_spec("404x1@RevisionNotFound:/api/x"));
  for (const char* bad : {"boom", "reset=5", "wrong-etag@Code", "stall=-1", "stall=x", "resetx0", "reset:x",
                          "corrupt-lfs=1", "700"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_fault_rule(bad), Error);
  }
  // --inject keeps its status-only grammar.
  CHECK_THROWS_AS(parse_fault_spec("reset"), Error);
  CHECK_THROWS_AS(parse_fault_spec("429=2"), Error);
}

TEST_CASE("a rule fires only on requests its kind can break", "[server][faults]") {
  FaultRequest head_resolve{"HEAD", "/kernels/a/b/resolve/main/x", "/kernels/a/b/resolve/main/x"};
  FaultRequest get_lfs{"GET", "/lfs-objects/ab", "/lfs-objects/ab"};
  FaultRequest get_tree{"GET", "/api/kernels/a/b/tree/main", "/api/kernels/a/b/tree/main"};
  FaultRequest put_lfs{"PUT", "/lfs-objects/ab", "/lfs-objects/ab"};
  CHECK(fault_applies(FaultKind::status, head_resolve));
  CHECK_FALSE(fault_applies(FaultKind::reset, head_resolve));  // no body to break
  CHECK(fault_applies(FaultKind::wrong_etag, head_resolve));
  CHECK_FALSE(fault_applies(FaultKind::wrong_etag, get_tree));
  CHECK(fault_applies(FaultKind::corrupt_lfs, get_lfs));
  CHECK_FALSE(fault_applies(FaultKind::corrupt_lfs, put_lfs));
  CHECK(fault_applies(FaultKind::truncate, put_lfs));
  FaultInjector inj({parse_fault_rule("resetx1")});
  CHECK_FALSE(inj.take(head_resolve));  // not spent on a HEAD
  CHECK(inj.take(get_tree)->kind == FaultKind::reset);
  CHECK_FALSE(inj.take(get_tree));
}

TEST_CASE("random faults parse with defaults and reject bad keys", "[server][faults]") {
  auto r = parse_random_faults("random:seed=7,rate=0.2");
  CHECK(r.seed == 7);
  CHECK(r.rate == Approx(0.2));
  CHECK(r.kinds.size() == 9);
  auto k = parse_random_faults("random:seed=1,rate=1,count=3,kinds=429+stall+reset,stall=700,retry-after=0,prefix=/x");
  REQUIRE(k.kinds.size() == 3);
  CHECK(k.kinds[0].arg_or_default() == 0);    // retry-after applies to 429
  CHECK(k.kinds[1].arg_or_default() == 700);  // stall
  CHECK(k.count == 3L);
  CHECK(k.path_prefix == "/x");
  for (const char* bad : {"random:", "random:seed=1", "random:rate=0.5", "random:seed=1,rate=0", "random:seed=1,rate=2",
                          "random:seed=1,rate=0.5,kinds=nope", "random:seed=1,rate=0.5,bogus=1", "random:seed=x,rate=1",
                          "random:seed=1,rate=0.5,prefix=x", "random:seed=1,rate=0.5,count=0"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_random_faults(bad), Error);
  }
}

TEST_CASE("random faults are reproducible, near the rate, and bounded by count", "[server][faults]") {
  auto run = [](std::uint64_t seed, std::optional<long> count) {
    RandomFaults r = parse_random_faults("random:seed=" + std::to_string(seed) + ",rate=0.25");
    r.count = count;
    FaultInjector inj({}, r);
    std::vector<std::string> out;
    for (int i = 0; i < 400; ++i) {
      std::string path = "/lfs-objects/" + std::to_string(i % 20);
      auto f = inj.take(FaultRequest{i % 3 ? "GET" : "HEAD", path, path});
      out.push_back(f ? f->name() : "-");
    }
    return out;
  };
  auto a = run(7, std::nullopt), b = run(7, std::nullopt), c = run(8, std::nullopt);
  CHECK(a == b);
  CHECK(a != c);
  auto fired = std::count_if(a.begin(), a.end(), [](const std::string& s) { return s != "-"; });
  CHECK(fired > 60);
  CHECK(fired < 140);
  auto limited = run(7, 10L);
  CHECK(std::count_if(limited.begin(), limited.end(), [](const std::string& s) { return s != "-"; }) == 10);
  // HEAD requests only ever get kinds that apply to them.
  for (int i = 0; i < 400; i += 3) CHECK((a[i] == "-" || a[i] == "wrong-etag" || std::isdigit(a[i][0])));
}
