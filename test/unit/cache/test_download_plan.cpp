// Which files a download takes (upstream's allow/ignore patterns) and what each must hash to.
#include <catch2/catch.hpp>

#include "cache/download_plan.hpp"
#include "cache/path_fold.hpp"
#include "repo/build_tree.hpp"
#include "core/error.hpp"

using namespace kcpp;
using namespace kcpp::cache;
using hub::TreeEntry;

namespace {
TreeEntry file(std::string path, std::string oid, std::uint64_t size = 4) {
  TreeEntry e;
  e.path = std::move(path);
  e.oid = std::move(oid);
  e.size = size;
  return e;
}
TreeEntry lfs_file(std::string path, std::string sha256, std::uint64_t size) {
  auto e = file(std::move(path), std::string(40, '9'), size);
  e.lfs = hub::LfsInfo{std::move(sha256), size, 130};
  return e;
}
TreeEntry dir(std::string path) {
  TreeEntry e;
  e.kind = TreeEntry::Kind::directory;
  e.path = std::move(path);
  return e;
}
const std::string A(40, 'a'), B(40, 'b'), C(40, 'c'), S(64, 'f');

std::vector<TreeEntry> sample_tree() {
  return {dir("build/torch-cuda"),
          dir("build/torch211-cxx11-cu130-x86_64-linux"),
          dir("build/torch211-cxx11-cu130-x86_64-linux/sub"),
          file("build/torch-cuda/__init__.py", A),
          file("build/torch211-cxx11-cu130-x86_64-linux/__init__.py", A),
          lfs_file("build/torch211-cxx11-cu130-x86_64-linux/_ops.so", S, 1000),
          file("build/torch211-cxx11-cu130-x86_64-linux/sub/x.py", B),
          file("build/torch211-cxx11-cu130-x86_64-linux/__pycache__/a.cpython-311.pyc", C),
          file("build/torch211-cxx11-cu130-x86_64-linux/y.pyc", C),
          file("build/README.md", C),
          file("README.md", C)};
}
}  // namespace

TEST_CASE("fnmatch_case follows Python's fnmatchcase", "[cache]") {
  struct Case {
    const char *pattern, *name;
    bool match;
  };
  // Expected values taken from Python 3.11 fnmatch.fnmatchcase.
  for (auto c : std::vector<Case>{{"build/*", "build/a/b/c", true},
                                   {"build/*", "build", false},
                                   {"build/*", "build/", true},
                                   {"*.pyc", "a/b.pyc", true},
                                   {"**/__pycache__/**", "build/v/__pycache__/x", true},
                                   {"**/__pycache__/**", "__pycache__/x", false},
                                   {"**/__pycache__/**", "a/__pycache__/", true},
                                   {"[!a]b", "cb", true},
                                   {"[!a]b", "ab", false},
                                   {"[a", "[a", true},
                                   {"[]]x", "]x", true},
                                   {"a?c", "abc", true},
                                   {"a?c", "a/c", true},
                                   {"[a-c]z", "bz", true},
                                   {"*a*b", "xaybzb", true},
                                   {"build/v/*", "build/v2/x", false}}) {
    INFO(c.pattern << " ~ " << c.name);
    CHECK(fnmatch_case(c.pattern, c.name) == c.match);
  }
}

TEST_CASE("variant directories come from the listing", "[cache]") {
  CHECK(repo::variant_dir_names(sample_tree()) ==
        std::vector<std::string>{"torch-cuda", "torch211-cxx11-cu130-x86_64-linux"});
}

TEST_CASE("one variant: its files, without bytecode", "[cache]") {
  auto plan = plan_download(sample_tree(), std::vector<std::string>{"torch211-cxx11-cu130-x86_64-linux"}, "org/k");
  std::vector<std::string> paths;
  for (const auto& f : plan.files) paths.push_back(f.path);
  CHECK(paths == std::vector<std::string>{"build/torch211-cxx11-cu130-x86_64-linux/__init__.py",
                                          "build/torch211-cxx11-cu130-x86_64-linux/_ops.so",
                                          "build/torch211-cxx11-cu130-x86_64-linux/sub/x.py"});
  REQUIRE(plan.variants.size() == 1);
  CHECK(plan.variants[0].files.size() == 3);
  const auto& so = plan.files[1];
  CHECK(so.kind == HashKind::sha256);
  CHECK(so.etag == S);
  CHECK(so.size == 1000);
  CHECK(so.rel == "_ops.so");
  CHECK(plan.files[2].rel == "sub/x.py");
  CHECK(plan.files[0].kind == HashKind::git_blob_sha1);
  CHECK(plan.total_bytes() == 1008);
}

TEST_CASE("all variants: everything under build/, shared blobs fetched once", "[cache]") {
  auto plan = plan_download(sample_tree(), std::nullopt, "org/k");
  CHECK(plan.files.size() == 5);  // + build/README.md, + torch-cuda/__init__.py
  CHECK(plan.variants.size() == 2);
  CHECK(plan.unique_blob_files().size() == 4);  // two __init__.py share blob A
  bool loose = false;
  for (const auto& f : plan.files)
    if (f.path == "build/README.md") loose = f.variant.empty();
  CHECK(loose);
}

TEST_CASE("a selected variant without files is reported empty", "[cache]") {
  auto plan = plan_download(sample_tree(), std::vector<std::string>{"torch-rocm"}, "org/k");
  REQUIRE(plan.variants.size() == 1);
  CHECK(plan.variants[0].files.empty());
}

TEST_CASE("unsafe paths and missing hashes are refused", "[cache]") {
  std::vector<TreeEntry> t{file("build/v/../../escape", A)};
  CHECK_THROWS_WITH(plan_download(t, std::nullopt, "org/k"), Catch::Contains("unsafe file path in org/k"));
  t = {file("build/v/x.py", "")};
  CHECK_THROWS_WITH(plan_download(t, std::nullopt, "org/k"), Catch::Contains("Cannot get blob ID for build/v/x.py"));
  t = {lfs_file("build/v/x.so", "nothex", 3)};
  CHECK_THROWS_AS(plan_download(t, std::nullopt, "org/k"), Error);
}

TEST_CASE("listings that cannot be laid out safely are refused whatever is selected", "[cache][reliability]") {
  // Regression (reliability suite): unsafe entries outside the selected variant were skipped
  // silently, and duplicate, case-colliding or file-vs-directory names were published with
  // whichever entry came last.
  auto refused = [](std::vector<TreeEntry> t, const std::string& needle) {
    INFO(needle);
    CHECK_THROWS_WITH(plan_download(t, std::vector<std::string>{"v"}, "org/k"), Catch::Contains(needle));
    CHECK_THROWS_WITH(plan_download(t, std::nullopt, "org/k"), Catch::Contains(needle));
  };
  auto ok = file("build/v/a.py", A);
  refused({ok, file("/etc/passwd", B)}, "unsafe file path in org/k: '/etc/passwd'");
  refused({ok, file("build/w/../../x", B)}, "unsafe file path");
  refused({ok, file("build/v/a\nb.py", B)}, "unsafe file path in org/k: 'build/v/a\\x0ab.py'");
  refused({ok, file("build/v/a\x7f.py", B)}, "unsafe file path");
  refused({ok, file("build/v/a.py", B)}, "lists the file 'build/v/a.py' twice");
  refused({ok, file("build/v/A.py", B)}, "names that collide on file systems that ignore case");
  refused({ok, file("build/v/a.py/x", B)}, "'build/v/a.py' as a file and 'build/v/a.py/x' inside it");
  refused({ok, dir("build/v/a.py")}, "both as a file and as a directory");
  // Ordinary directory entries are fine.
  CHECK(plan_download({ok, dir("build/v/sub"), file("build/v/sub/b.py", B)}, std::nullopt, "org/k").files.size() == 2);
}

TEST_CASE("names equal after Unicode normalisation or case folding collide", "[cache][reliability]") {
  // Found while closing issue 7: only ASCII case was compared, so "café.py" precomposed
  // (U+00E9) and decomposed (e + U+0301) — one file on macOS — were both published, and a
  // file "B" with a file "b/x" passed the file-inside-a-file check.
  using kcpp::cache::collision_key;
  CHECK(collision_key("build/V/Caf\xc3\xa9.py") == "build/v/cafe.py");       // U+00E9
  CHECK(collision_key("build/v/cafe\xcc\x81.py") == "build/v/cafe.py");      // e + U+0301
  CHECK(collision_key("\xe1\xba\xa0") == "a");                              // U+1EA0 (Latin Ext. Additional)
  CHECK(collision_key("\xce\xa9.py") == "\xce\xa9.py");                    // other scripts kept
  CHECK(collision_key("a\xff\xc3") == "a\xff\xc3");                        // not UTF-8: bytes kept
  CHECK(collision_key("\xed\xa0\x80") == "\xed\xa0\x80");                // a surrogate is not UTF-8

  auto refused = [](std::vector<TreeEntry> t, const std::string& needle) {
    INFO(needle);
    CHECK_THROWS_WITH(plan_download(t, std::nullopt, "org/k"), Catch::Contains(needle));
  };
  refused({file("build/v/caf\xc3\xa9.py", A), file("build/v/cafe\xcc\x81.py", B)}, "Unicode normalisation");
  refused({file("build/v/B", A), file("build/v/b/x.py", B)}, "'build/v/B' as a file and 'build/v/b/x.py' inside it");
  refused({file("build/v/Layers", A), dir("build/v/layers")}, "collide");
  CHECK(plan_download({file("build/v/a\xce\xa9.py", A), file("build/v/b.py", B)}, std::nullopt, "org/k").files.size() == 2);
}
