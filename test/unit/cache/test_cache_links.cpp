// Symbolic links planted below the cache root (the repo folder, blobs/, snapshots/, .locks/,
// .locks/<folder>/) are refused, and nothing is written through them; the root itself may be
// a link. Modes: .incomplete is the owner's alone while it holds unverified bytes, the blob
// gets huggingface_hub's 0666 & ~umask; a leftover .incomplete that is not safely ours is
// not resumed.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include "cache/blob_store.hpp"
#include "cache/snapshot_writer.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/hash.hpp"
#include "core/safe_dir.hpp"

using namespace kcpp;
using namespace kcpp::cache;
namespace stdfs = std::filesystem;

namespace {

struct World {
  fs::TempDir tmp;
  stdfs::path root = tmp.path() / "cache";
  stdfs::path outside = tmp.path() / "outside";
  CacheLayout layout{root, hub::RepoType::kernel, hub::parse_repo_id("org/k")};
  std::string content = std::string(5000, 'x');
  BlobSpec spec{hash::sha256_hex(content), HashKind::sha256, content.size()};
  World() {
    stdfs::create_directories(root);
    stdfs::create_directories(outside);
  }
  void plant(const stdfs::path& rel) {  // ROOT/REL -> OUTSIDE
    stdfs::create_directories((root / rel).parent_path());
    stdfs::create_directory_symlink(outside, root / rel);
  }
  Transfer transfer(std::function<void()> during = {}) {
    return [this, during](std::uint64_t offset, const std::function<bool(std::string_view)>& sink,
                          const std::function<void()>&) {
      sink(std::string_view(content).substr(offset, 100));
      if (during) during();
      sink(std::string_view(content).substr(offset + 100));
    };
  }
  bool outside_empty() const { return stdfs::is_empty(outside); }
};

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    std::string out = e.what();
    for (const auto& h : e.hints()) out += "\nhint: " + h;
    return out;
  }
  return "no error";
}

mode_t mode_of(const stdfs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// Sets the umask for one test, restores it after.
struct Umask {
  mode_t old;
  explicit Umask(mode_t m) : old(::umask(m)) {}
  ~Umask() { ::umask(old); }
};

}  // namespace

TEST_CASE("SafeDir walks below the root without following links; the root may be one", "[cache][links]") {
  World w;
  auto linked_root = w.tmp.path() / "root-link";
  stdfs::create_directory_symlink(w.root, linked_root);
  auto dir = fs::SafeDir::open(linked_root, "a/b", /*create=*/true);
  CHECK(stdfs::is_directory(w.root / "a" / "b"));
  CHECK(dir.path() == linked_root / "a" / "b");

  w.plant("a/b/c");
  auto msg = message_of([&] { fs::SafeDir::open(w.root, "a/b/c/d", true); });
  CHECK_THAT(msg, Catch::StartsWith((w.root / "a/b/c").string() +
                                    " is a symbolic link, which kernels refuses to follow inside the cache"));
  CHECK_THAT(msg, Catch::Contains("remove the link"));
  CHECK(w.outside_empty());
  CHECK_THROWS_AS(fs::SafeDir::open_existing(w.root, "a/b/c"), Error);
  CHECK_FALSE(fs::SafeDir::open_existing(w.root, "a/missing/x").has_value());
  CHECK_THROWS_AS(fs::SafeDir::open(w.root, "a/../b", true), Error);
}

TEST_CASE("a link at any directory of a blob's way is refused, nothing written through it", "[cache][links]") {
  for (std::string rel : {"kernels--org--k", "kernels--org--k/blobs", ".locks", ".locks/kernels--org--k"}) {
    DYNAMIC_SECTION(rel) {
      World w;
      w.plant(rel);
      BlobStore store(w.layout);
      CHECK_FALSE(store.has(w.spec.etag));
      auto msg = message_of([&] { store.ensure(w.spec, w.transfer()); });
      CHECK_THAT(msg, Catch::StartsWith((w.root / rel).string() + " is a symbolic link"));
      CHECK(w.outside_empty());
    }
  }
}

TEST_CASE("a link at any directory of a snapshot link's way is refused", "[cache][links]") {
  const std::string commit(40, 'c');
  for (std::string rel : std::vector<std::string>{"kernels--org--k", "kernels--org--k/snapshots",
                                                  "kernels--org--k/snapshots/" + commit,
                                                  "kernels--org--k/snapshots/" + commit + "/build"}) {
    DYNAMIC_SECTION(rel) {
      World w;
      w.plant(rel);
      SnapshotWriter writer(w.layout);
      CHECK_THROWS_WITH(writer.check(commit, "build/v/x.py"), Catch::Contains("is a symbolic link"));
      CHECK_THROWS_WITH(writer.link(commit, "build/v/x.py", "e1"), Catch::Contains("is a symbolic link"));
      CHECK(w.outside_empty());
    }
  }
}

TEST_CASE("refs are written without following links", "[cache][links]") {
  World w;
  w.plant("kernels--org--k/refs");
  CHECK_THROWS_WITH(w.layout.write_ref("main", std::string(40, 'a')), Catch::Contains("is a symbolic link"));
  CHECK(w.outside_empty());
}

TEST_CASE(".incomplete is the owner's alone; the blob gets 0666 & ~umask", "[cache][links]") {
  for (mode_t mask : {mode_t{022}, mode_t{077}, mode_t{002}}) {
    DYNAMIC_SECTION("umask " << std::oct << mask) {
      Umask u(mask);
      World w;
      BlobStore store(w.layout);
      mode_t during = 0777;
      auto out = store.ensure(w.spec, w.transfer([&] { during = mode_of(w.layout.incomplete_path(w.spec.etag)); }));
      CHECK(out.ok());
      CHECK(during == (0600 & ~mask));
      CHECK(mode_of(w.layout.blob_path(w.spec.etag)) == (0666 & ~mask));
    }
  }
}

TEST_CASE("a leftover .incomplete that others may write is not resumed", "[cache][links]") {
  World w;
  BlobStore store(w.layout);
  const auto incomplete = w.layout.incomplete_path(w.spec.etag);
  stdfs::create_directories(incomplete.parent_path());
  fs::atomic_write(incomplete, w.content.substr(0, 1000));
  ::chmod(incomplete.c_str(), 0666);  // world-writable: its bytes could change after we hash them
  std::vector<std::uint64_t> offsets;
  auto out = store.ensure(w.spec, [&](std::uint64_t offset, const std::function<bool(std::string_view)>& sink,
                                      const std::function<void()>&) {
    offsets.push_back(offset);
    sink(std::string_view(w.content).substr(offset));
  });
  CHECK(out.ok());
  CHECK(offsets == std::vector<std::uint64_t>{0});
  CHECK(out.resumed_from == 0);

  SECTION("one of ours with a narrow mode is resumed, and narrowed to 0600") {
    World v;
    BlobStore s2(v.layout);
    const auto inc = v.layout.incomplete_path(v.spec.etag);
    fs::atomic_write(inc, v.content.substr(0, 1000));
    ::chmod(inc.c_str(), 0644);
    mode_t during = 0;
    auto o = s2.ensure(v.spec, v.transfer([&] { during = mode_of(inc); }));
    CHECK(o.ok());
    CHECK(o.resumed_from == 1000);
    CHECK(during == 0600);
  }
}
