// git_lfs_concat (upstream's ≤ 0.16 lock hash) and per-variant verification.
#include <catch2/catch.hpp>

#include "cache/verifier.hpp"

using namespace kcpp::cache;

TEST_CASE("git_lfs_concat matches upstream's algorithm", "[cache]") {
  // Reference computed with upstream's Python code (sorted pairs, name bytes + raw hash).
  const std::string x_py = "bafc5d9a1a836cea09dadcec13e66fe498cd997a";  // git blob of "x=1\n"
  const std::string so = "f8c1ccc7df7243da4740c5b7875f88b70e3f935d99c7b37a5f7239d152d994e6";
  const std::string empty = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";
  auto h = git_lfs_concat({{"sub/x.py", x_py}, {"_ops.so", so}, {"__init__.py", empty}});
  CHECK(h == "sha256-92cac2e471408edeab959daba7c645df1b84df10e560ac65f69a6c566b7b1419");
  CHECK(git_lfs_concat({{"__init__.py", empty}, {"sub/x.py", x_py}, {"_ops.so", so}}) == h);
}

TEST_CASE("verify_variant names the files whose content differs", "[cache]") {
  DownloadPlan plan;
  plan.files = {{"build/v/a.py", "v", "a.py", 1, HashKind::git_blob_sha1, std::string(40, 'a')},
                {"build/v/b.so", "v", "b.so", 2, HashKind::sha256, std::string(64, 'b')}};
  VariantPlan vp{"v", {0, 1}};
  auto good = verify_variant(plan, vp, {std::string(40, 'a'), std::string(64, 'b')});
  CHECK(good.ok());
  CHECK(good.expected_hash == good.actual_hash);
  auto bad = verify_variant(plan, vp, {std::string(40, 'a'), std::string(64, 'c')});
  CHECK_FALSE(bad.ok());
  REQUIRE(bad.mismatches.size() == 1);
  CHECK(bad.mismatches[0].path == "build/v/b.so");
  CHECK(bad.mismatches[0].actual == std::string(64, 'c'));
  CHECK(bad.expected_hash != bad.actual_hash);
  auto missing = verify_variant(plan, vp, {std::string(40, 'a'), ""});
  CHECK_FALSE(missing.ok());
  CHECK(missing.actual_hash.empty());
}
