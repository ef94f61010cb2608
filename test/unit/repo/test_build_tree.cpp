// The build/ layout: paths split into variant and file, variant directories of a listing,
// commit ids, and the one "no build/ directory" error (against a real kernels-hub).
#include <catch2/catch.hpp>

#include "repo/build_tree.hpp"
#include "repo/revision.hpp"

using namespace kcpp;
using namespace kcpp::repo;

namespace {

hub::TreeEntry dir(std::string path) { return {hub::TreeEntry::Kind::directory, std::move(path), "", 0, {}, {}}; }
hub::TreeEntry file(std::string path) { return {hub::TreeEntry::Kind::file, std::move(path), "", 0, {}, {}}; }

}  // namespace

TEST_CASE("build paths split into variant and file", "[repo]") {
  CHECK_FALSE(split_build_path("README.md"));
  CHECK_FALSE(split_build_path("build/"));
  CHECK_FALSE(split_build_path("builder/x"));
  auto v = split_build_path("build/torch-cpu");
  REQUIRE(v);
  CHECK(v->variant == "torch-cpu");
  CHECK(v->rel.empty());
  auto f = split_build_path("build/torch-cpu/pkg/__init__.py");
  REQUIRE(f);
  CHECK(f->variant == "torch-cpu");
  CHECK(f->rel == "pkg/__init__.py");
  CHECK(metadata_path("torch-cpu") == "build/torch-cpu/metadata.json");
}

TEST_CASE("variant directories: directly under build/, de-duplicated, in listing order", "[repo]") {
  const std::vector<hub::TreeEntry> entries = {
      dir("build/b"), file("build/CARD.md"), dir("build/a"), dir("build/a/sub"), dir("build/b"), dir("other/c"),
      file("build/z")};
  CHECK(variant_dir_names(entries) == std::vector<std::string>{"b", "a"});
}

TEST_CASE("commit ids are 40 or 64 hex digits of any case", "[repo]") {
  CHECK(is_commit_id(std::string(40, 'a')));
  CHECK(is_commit_id(std::string(40, 'F')));
  CHECK(is_commit_id(std::string(64, '0')));
  CHECK_FALSE(is_commit_id(std::string(41, 'a')));
  CHECK_FALSE(is_commit_id("v1"));
  CHECK_FALSE(is_commit_id(std::string(39, 'a') + "g"));
}
