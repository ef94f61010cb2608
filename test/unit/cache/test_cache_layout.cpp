// CacheLayout: folder names, pointer targets, refs and CACHEDIR.TAG as huggingface_hub writes them.
#include <catch2/catch.hpp>

#include "cache/cache_layout.hpp"
#include "core/fs.hpp"

using namespace kcpp;
using namespace kcpp::cache;

namespace {
CacheLayout layout_in(const fs::TempDir& d) {
  return CacheLayout(d.path(), hub::RepoType::kernel, hub::parse_repo_id("kernels-community/relu"));
}
}  // namespace

TEST_CASE("repo folder names", "[cache]") {
  CHECK(repo_folder_name(hub::RepoType::kernel, {"kernels-community", "relu"}) == "kernels--kernels-community--relu");
  CHECK(repo_folder_name(hub::RepoType::model, {"org", "gpt"}) == "models--org--gpt");
}

TEST_CASE("paths of blobs, locks, snapshots and refs", "[cache]") {
  fs::TempDir d;
  auto l = layout_in(d);
  auto repo = d.path() / "kernels--kernels-community--relu";
  CHECK(l.blob_path("abc") == repo / "blobs" / "abc");
  CHECK(l.incomplete_path("abc") == repo / "blobs" / "abc.incomplete");
  CHECK(l.lock_path("abc") == d.path() / ".locks" / "kernels--kernels-community--relu" / "abc.lock");
  CHECK(l.pointer_path("c0ffee", "build/v/x.py") == repo / "snapshots" / "c0ffee" / "build" / "v" / "x.py");
  CHECK(l.ref_path("refs/pr/1") == repo / "refs" / "refs" / "pr" / "1");
}

TEST_CASE("pointer targets climb to the repo folder", "[cache]") {
  CHECK(CacheLayout::relative_blob_target("README.md", "e1") == "../../blobs/e1");
  CHECK(CacheLayout::relative_blob_target("build/v/_ops.so", "e2") == "../../../../blobs/e2");
  CHECK(CacheLayout::relative_blob_target("build/v/sub/x.py", "e3") == "../../../../../blobs/e3");
}

TEST_CASE("safe repo paths", "[cache]") {
  CHECK(is_safe_repo_path("build/v/x.py"));
  CHECK(is_safe_repo_path("a"));
  for (const char* bad : {"", "/etc/passwd", "build/../x", "build/./x", "build//x", "build/x/", "..", "a\\b"})
    CHECK_FALSE(is_safe_repo_path(bad));
  CHECK_FALSE(is_safe_repo_path(std::string("a\0b", 3)));
}

TEST_CASE("refs are written without a newline, and not for a commit", "[cache]") {
  fs::TempDir d;
  auto l = layout_in(d);
  const std::string sha(40, 'a');
  l.write_ref(sha, sha);
  CHECK_FALSE(std::filesystem::exists(l.repo_dir() / "refs"));
  l.write_ref("v1", sha);
  CHECK(fs::read_file(l.ref_path("v1")) == sha);
  l.write_ref("refs/pr/3", sha);
  CHECK(fs::read_file(l.repo_dir() / "refs/refs/pr/3") == sha);
  const std::string other(40, 'b');
  l.write_ref("v1", other);
  CHECK(fs::read_file(l.ref_path("v1")) == other);
}

TEST_CASE("CACHEDIR.TAG has huggingface_hub's text and is not rewritten", "[cache]") {
  fs::TempDir d;
  auto l = layout_in(d);
  l.ensure_cachedir_tag();
  auto text = fs::read_file(d.path() / "CACHEDIR.TAG");
  CHECK(text.rfind("Signature: 8a477f597d28d172789f06886806bc55\n", 0) == 0);
  CHECK(text == std::string(kCacheDirTag));
  fs::atomic_write(d.path() / "CACHEDIR.TAG", "custom");
  l.ensure_cachedir_tag();
  CHECK(fs::read_file(d.path() / "CACHEDIR.TAG") == "custom");
}
