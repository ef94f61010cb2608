// resolve_locks against a real kernels-hub (tag [live]): transitive dependencies, upstream's
// error order whatever the fetch timing, cycles, warnings, and the trust check.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "hub/client.hpp"
#include "lock/check.hpp"
#include "hub/client.hpp"
#include "lock/locker.hpp"
#include "../support/hub_process.hpp"

using namespace kcpp;
using namespace kcpp::lock;

namespace {

const std::string V = "torch29-cxx11-cu128-x86_64-linux";

std::string metadata(const std::string& name, const nlohmann::json& deps = nlohmann::json::array()) {
  return nlohmann::json{{"name", name},    {"id", "_" + name},         {"version", 1},
                        {"license", "MIT"}, {"python-depends", nlohmann::json::array()},
                        {"backend", {{"type", "cuda"}}}, {"kernel-depends", deps}}
      .dump(2);
}

struct Fixture {
  Fixture() = default;
  explicit Fixture(std::vector<std::string> hub_args) : hub(std::move(hub_args)) {}
  test::HubProcess hub;
  hub::HubClient client{[&] {
    hub::ClientSettings s;
    s.endpoint = hub.url();
    s.retry.base_delay_s = 0.01;
    return s;
  }()};
  int n = 0;

  // Commits a kernel repo whose variants each carry DEPS; returns the commit.
  std::string publish(const std::string& repo, const std::string& branch, std::vector<std::string> variants,
                      const nlohmann::json& deps = nlohmann::json::array(),
                      const std::map<std::string, std::string>& extra = {}) {
    auto src = hub.scratch() / ("src" + std::to_string(++n));
    for (const auto& v : variants) {
      fs::atomic_write(src / "build" / v / "__init__.py", "x = 1\n");
      fs::atomic_write(src / "build" / v / "metadata.json", metadata("kk", deps));
    }
    for (const auto& [path, content] : extra) fs::atomic_write(src / path, content);
    if (variants.empty() && extra.empty()) fs::atomic_write(src / "README.md", "empty\n");
    return hub.commit(repo, src, branch);
  }

  LockResult lock(std::vector<Dependency> deps, unsigned jobs = 8, bool trust = true) {
    std::vector<RootDependency> roots;
    for (auto& d : deps) roots.push_back({d, "pyproject.toml:1:1"});
    LockOptions o;
    o.trust_remote_code = trust;
    o.jobs = jobs;
    return resolve_locks(client, roots, o);
  }

  std::string error_of(std::vector<Dependency> deps, unsigned jobs = 8, bool trust = true) {
    try {
      lock(std::move(deps), jobs, trust);
    } catch (const Error& e) {
      std::string out = e.what();
      for (const auto& c : e.causes()) out += "\ncaused by: " + c;
      return out;
    }
    return "no error";
  }
};

}  // namespace

TEST_CASE_METHOD(Fixture, "transitive dependencies are locked, sorted, with warnings in order", "[lock][live]") {
  auto b1 = publish("org/bb", "v1", {V});
  publish("org/bb", "v2", {V});
  auto c1 = publish("org/cc", "v1", {V, "torch-universal"});
  auto a1 = publish("org/aa", "v1", {V, "torch-universal", "not-a-variant"},
                    nlohmann::json::array({{{"repo-id", "org/bb"}, {"version", 1}},
                                           {{"repo-id", "org/cc"}, {"revision", c1}}}));
  for (unsigned jobs : {1u, 16u}) {
    auto r = lock({Dependency::version("org/aa", 1)}, jobs);
    REQUIRE(r.lock.entries.size() == 3);
    CHECK(r.lock.entries[0] == LockEntry{Dependency::version("org/aa", 1), a1});
    CHECK(r.lock.entries[1] == LockEntry{Dependency::version("org/bb", 1), b1});
    CHECK(r.lock.entries[2] == LockEntry{Dependency::revision("org/cc", c1), c1});
    REQUIRE(r.warnings.size() == 2);
    CHECK_THAT(r.warnings[0], Catch::StartsWith("Repository org/aa (revision: " + a1 +
                                                ") contains invalid build variant: 'not-a-variant'"));
    CHECK(r.warnings[1] == "You are using version 1 of 'org/bb', but version 2 is available.");
    CHECK(r.required_by.at(Dependency::version("org/bb", 1)) == Dependency::version("org/aa", 1));
  }
}

TEST_CASE_METHOD(Fixture, "the first error in pyproject order wins, whatever finishes first", "[lock][live]") {
  publish("org/ok", "v1", {V});
  publish("org/nobuild", "v1", {});
  for (int round = 0; round < 5; ++round) {
    // org/missing fails at its first request; org/nobuild only after refs and tree.
    CHECK_THAT(error_of({Dependency::version("org/ok", 1), Dependency::version("org/nobuild", 1),
                         Dependency::version("org/missing", 1)}),
               Catch::StartsWith("org/nobuild has no build/ directory at "));
  }
  CHECK_THAT(error_of({Dependency::version("org/ok", 3)}),
             Catch::StartsWith("org/ok: Version 3 not found, available versions: 1"));
}

TEST_CASE_METHOD(Fixture, "cycles and bad revisions as upstream reports them", "[lock][live]") {
  publish("org/cy1", "v1", {V}, nlohmann::json::array({{{"repo-id", "org/cy2"}, {"version", 1}}}));
  publish("org/cy2", "v1", {V}, nlohmann::json::array({{{"repo-id", "org/cy1"}, {"version", 1}}}));
  CHECK(error_of({Dependency::version("org/cy1", 1)}) ==
        "Cyclic kernel dependency detected: org/cy1\ncaused by: while locking org/cy1 (version 1) from "
        "pyproject.toml:1:1 → org/cy2 (version 1) → org/cy1 (version 1)");
  publish("org/self", "v1", {V}, nlohmann::json::array({{{"repo-id", "org/self"}, {"version", 1}}}));
  CHECK_THAT(error_of({Dependency::version("org/self", 1)}), Catch::StartsWith("Cyclic kernel dependency detected"));
  publish("org/tgt", "v1", {V});
  publish("org/rev", "v1", {V}, nlohmann::json::array({{{"repo-id", "org/tgt"}, {"revision", "v1"}}}));
  CHECK_THAT(error_of({Dependency::version("org/rev", 1)}),
             Catch::StartsWith("org/tgt: Invalid git object id, expected 40 or 64 hexadecimal digits: v1"));
  publish("org/badmeta", "v1", {V}, nlohmann::json::array({{{"repo-id", "org/x"}}}));
  CHECK_THAT(error_of({Dependency::version("org/badmeta", 1)}),
             Catch::Contains("/build/" + V + "/metadata.json:") &&
                 Catch::Contains("either `version` or `revision` must be specified"));
  publish("org/badid", "v1", {V}, nlohmann::json::array({{{"repo-id", "noslash"}, {"version", 1}}}));
  CHECK_THAT(error_of({Dependency::version("org/badid", 1)}),
             Catch::StartsWith("org/badid@") &&
                 Catch::Contains("/build/" + V + "/metadata.json:8:18: invalid repo id 'noslash'") &&
                 Catch::Contains("→ noslash (version 1)"));
}

TEST_CASE_METHOD(Fixture, "a non-canonical variant directory fails like upstream, with the reason", "[lock][live]") {
  publish("org/nc", "v1", {"torch2010-cxx11-cu128-x86_64-linux"});
  try {
    lock({Dependency::version("org/nc", 1)});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("has no build/torch210-cxx11-cu128-x86_64-linux/metadata.json"));
    REQUIRE(!e.hints().empty());
    CHECK_THAT(e.hints()[0], Catch::Contains("named 'torch2010-cxx11-cu128-x86_64-linux'"));
  }
}

TEST_CASE("the trust check asks the organization overview", "[lock][live]") {
  // kernels-hub answers trustedKernelPublisher true for --trusted-publisher orgs, else false;
  // a 404 (a user namespace on the Hub) means "could not verify".
  Fixture f({"--trusted-publisher", "org", "--inject", "404@RepoNotFound:/api/organizations/user/"});
  f.publish("org/ok", "v1", {V});
  f.publish("other/k", "v1", {V});
  f.publish("user/k", "v1", {V});
  CHECK(f.lock({Dependency::version("org/ok", 1)}, 4, /*trust=*/false).lock.entries.size() == 1);
  CHECK_THAT(f.error_of({Dependency::version("other/k", 1)}, 4, false),
             Catch::StartsWith("Kernel repository 'other/k' is not from a trusted publisher"));
  CHECK_THAT(f.error_of({Dependency::version("user/k", 1)}, 4, false),
             Catch::StartsWith("Kernel repository 'user/k' could not verify publisher trust status"));
}

TEST_CASE_METHOD(Fixture, "lock_differences names each stale entry", "[lock][live]") {
  auto a1 = publish("org/aa", "v1", {V}, nlohmann::json::array({{{"repo-id", "org/bb"}, {"version", 1}}}));
  auto b1 = publish("org/bb", "v1", {V});
  auto fresh = lock({Dependency::version("org/aa", 1)});
  CHECK(lock_differences(fresh.lock, fresh).empty());
  LockFile stale;
  stale.entries = {{Dependency::version("org/aa", 1), std::string(40, '0')},
                   {Dependency::version("org/zz", 2), std::string(40, '1')}};
  auto d = lock_differences(stale, fresh);
  REQUIRE(d.size() == 3);
  CHECK(d[0] == "org/aa (version 1): locked at " + std::string(40, '0') + ", but branch v1 is now at " + a1);
  CHECK(d[1] == "org/bb (version 1): not locked (required by org/aa (version 1))");
  CHECK(d[2] == "org/zz (version 2): locked, but no longer a dependency");
  (void)b1;
}

TEST_CASE_METHOD(Fixture, "fetch_small_file: plain, LFS (redirected), too big, missing", "[lock][live]") {
  std::string binary(4096, '\0');
  for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 7 % 256);
  auto src = hub.scratch() / "files";
  fs::atomic_write(src / "build/torch-cpu/metadata.json", metadata("ff"));
  fs::atomic_write(src / "build/torch-cpu/blob.bin", binary);  // binary → stored as LFS
  auto sha = hub.commit("org/files", src, "v1");
  auto repo = hub::parse_repo_id("org/files");
  CHECK(client.fetch_small_file(hub::RepoType::kernel, repo, sha, "build/torch-cpu/metadata.json", 1 << 20) ==
        metadata("ff"));
  CHECK(client.fetch_small_file(hub::RepoType::kernel, repo, sha, "build/torch-cpu/blob.bin", 1 << 20) == binary);
  CHECK_THROWS_WITH(client.fetch_small_file(hub::RepoType::kernel, repo, sha, "build/torch-cpu/blob.bin", 100),
                    Catch::Contains("is larger than 100 bytes"));
  try {
    client.fetch_small_file(hub::RepoType::kernel, repo, sha, "build/none/metadata.json", 100);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::entry_not_found);
  }
}
