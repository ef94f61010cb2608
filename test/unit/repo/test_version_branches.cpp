// Version branches: names, order, the cache's refs, the one "not found" error.
#include <catch2/catch.hpp>

#include "core/fs.hpp"
#include "repo/version_branches.hpp"

using namespace kcpp;
using namespace kcpp::repo;

TEST_CASE("version branches follow Python int()", "[repo]") {
  CHECK(parse_version_branch("v1") == 1L);
  CHECK(parse_version_branch("v01") == 1L);
  CHECK(parse_version_branch("v1_0") == 10L);
  CHECK(parse_version_branch("v-1") == -1L);
  CHECK(parse_version_branch("v+2") == 2L);
  CHECK(parse_version_branch("v 3") == 3L);
  for (const char* bad : {"main", "v", "v1.0", "v_1", "v1_", "v1__0", "va", "V1", "v-", "v1-beta"}) {
    INFO(bad);
    CHECK_FALSE(parse_version_branch(bad));
  }
}

TEST_CASE("versions come sorted, later duplicate branches win", "[repo]") {
  std::vector<hub::GitRef> branches = {{"main", "refs/heads/main", "a"}, {"v2", "refs/heads/v2", "b"},
                                       {"v1", "refs/heads/v1", "c"},     {"v01", "refs/heads/v01", "d"},
                                       {"vx", "refs/heads/vx", "e"}};
  auto v = kernel_versions(branches);
  REQUIRE(v.size() == 2);
  CHECK(v[0].number == 1);
  CHECK(v[0].ref.target_commit == "d");
  CHECK(v[1].number == 2);
}

TEST_CASE("offline versions read kernels-- then models-- refs", "[repo]") {
  fs::TempDir cache;
  auto repo = hub::parse_repo_id("org/k");
  fs::atomic_write(cache.path() / "kernels--org--k/refs/v1", "1111111111111111111111111111111111111111");
  fs::atomic_write(cache.path() / "kernels--org--k/refs/main", "2222222222222222222222222222222222222222");
  fs::atomic_write(cache.path() / "models--org--k/refs/v1", "3333333333333333333333333333333333333333\n");
  fs::atomic_write(cache.path() / "models--org--k/refs/v2", "4444444444444444444444444444444444444444");
  auto v = cached_versions(cache.path(), repo);
  REQUIRE(v.size() == 2);
  CHECK(v[0].ref.target_commit == "3333333333333333333333333333333333333333");
  CHECK(v[1].ref.name == "v2");
}

TEST_CASE("a missing version is upstream's error, with a hint that depends on what exists", "[repo]") {
  std::vector<hub::GitRef> branches = {{"v1", "refs/heads/v1", "a"}, {"v2", "refs/heads/v2", "b"}};
  const auto available = kernel_versions(branches);
  CHECK(find_version(available, 2)->ref.target_commit == "b");
  CHECK(find_version(available, 3) == nullptr);
  const Error e = version_not_found(3, available, "org/k: ", "pick one", "none exist");
  CHECK(std::string(e.what()) == "org/k: Version 3 not found, available versions: 1, 2");
  CHECK(e.hints() == std::vector<std::string>{"pick one"});
  const Error none = version_not_found(1, {}, "", "pick one", "none exist");
  CHECK(std::string(none.what()) == "Version 1 not found, available versions: ");
  CHECK(none.hints() == std::vector<std::string>{"none exist"});
}
