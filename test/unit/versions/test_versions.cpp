#include <catch2/catch.hpp>

#include "core/fs.hpp"
#include "versions/versions.hpp"

using namespace kcpp;
using namespace kcpp::versions;

TEST_CASE("version branches follow Python int()", "[versions]") {
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

TEST_CASE("versions come sorted, later duplicate branches win", "[versions]") {
  std::vector<hub::GitRef> branches = {{"main", "refs/heads/main", "a"}, {"v2", "refs/heads/v2", "b"},
                                       {"v1", "refs/heads/v1", "c"},     {"v01", "refs/heads/v01", "d"},
                                       {"vx", "refs/heads/vx", "e"}};
  auto v = kernel_versions(branches);
  REQUIRE(v.size() == 2);
  CHECK(v[0].number == 1);
  CHECK(v[0].ref.target_commit == "d");
  CHECK(v[1].number == 2);
}

TEST_CASE("offline versions read kernels-- then models-- refs", "[versions]") {
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

TEST_CASE("variant listing de-duplicates and reports invalid names", "[versions]") {
  auto l = variants_from_names({"torch-cuda", "torch-cuda", "garbage", "torch211-cxx11-cu130-x86_64-linux"});
  CHECK(l.variants.size() == 2);
  REQUIRE(l.invalid.size() == 1);
  CHECK(l.invalid[0].first == "garbage");
}

TEST_CASE("text output is upstream's, compact marks the preferred", "[versions]") {
  VersionsReport empty;
  empty.repo = hub::parse_repo_id("org/k");
  CHECK(render_text(empty) == "Repository does not support kernel versions: org/k\n");

  variant::System sys;
  sys.cpu = "x86_64";
  sys.os = "linux";
  sys.has_torch = true;
  sys.torch_version = variant::MajorMinor{2, 11};
  sys.torch_cxx11_abi = true;
  sys.backend = variant::parse_backend("cu130");
  VersionsReport r;
  r.repo = empty.repo;
  VersionReport v;
  v.version.number = 1;
  auto l = variants_from_names({"torch-cuda", "torch211-cxx11-cu130-x86_64-linux", "torch211-cxx11-cpu-x86_64-linux"});
  v.trace = variant::resolve(l.variants, sys, sys.backend);
  r.versions.push_back(v);
  CHECK(render_text(r) ==
        "Version 1:\n\n"
        "torch211-cxx11-cu130-x86_64-linux compatible, preferred ✅\n"
        "torch-cuda compatible ✅\n"
        "torch211-cxx11-cpu-x86_64-linux: backend (cpu) does not match selected backend (cu130)\n");
  CHECK(render_compact(r) ==
        "Version 1: torch-cuda, torch211-cxx11-cpu-x86_64-linux, torch211-cxx11-cu130-x86_64-linux ✅\n");
}
