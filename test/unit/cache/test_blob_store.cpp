// BlobStore: hashing while streaming, atomic publish, reuse, resume from .incomplete,
// restart on 200-to-Range, refusal of content that does not match its name.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "cache/blob_store.hpp"
#include "cache/file_lock.hpp"
#include "cache/snapshot_writer.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/hash.hpp"

using namespace kcpp;
using namespace kcpp::cache;

namespace {

std::string bytes(std::size_t n, int seed = 7) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed) % 251);
  return s;
}

struct Store {
  fs::TempDir dir;
  CacheLayout layout{dir.path(), hub::RepoType::kernel, hub::parse_repo_id("org/k")};
  BlobStore store{layout};
};

// A transfer serving CONTENT from the requested offset in chunks; records the offsets asked for.
struct FakeTransfer {
  std::string content;
  std::vector<std::uint64_t> offsets = {};  // offsets requested, in order
  bool ignore_range = false;  // answer 200 with the whole body to a Range request
  Transfer fn() {
    return [this](std::uint64_t offset, const std::function<bool(std::string_view)>& sink,
                  const std::function<void()>& on_restart) {
      offsets.push_back(offset);
      std::uint64_t from = offset;
      if (ignore_range && offset > 0) {
        on_restart();
        from = 0;
      }
      for (std::uint64_t i = from; i < content.size(); i += 7000)
        sink(std::string_view(content).substr(i, 7000));
    };
  }
};

}  // namespace

TEST_CASE("a new LFS blob is streamed, verified and renamed into blobs/", "[cache]") {
  Store s;
  FakeTransfer t{bytes(100000)};
  BlobSpec spec{hash::sha256_hex(t.content), HashKind::sha256, t.content.size()};
  std::uint64_t reported = 0;
  auto out = s.store.ensure(spec, t.fn(), [&](std::uint64_t n) { reported += n; });
  CHECK(out.ok());
  CHECK(out.how == BlobOutcome::How::downloaded);
  CHECK(out.transferred == t.content.size());
  CHECK(reported == t.content.size());
  CHECK(t.offsets == std::vector<std::uint64_t>{0});
  CHECK(fs::read_file(s.layout.blob_path(spec.etag)) == t.content);
  CHECK_FALSE(std::filesystem::exists(s.layout.incomplete_path(spec.etag)));
  CHECK(std::filesystem::exists(s.layout.lock_path(spec.etag)));
  struct stat st {};
  REQUIRE(::stat(s.layout.lock_path(spec.etag).c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0664);

  SECTION("a second ensure reuses it without a transfer") {
    FakeTransfer never{""};
    auto again = s.store.ensure(spec, never.fn());
    CHECK(again.ok());
    CHECK(again.how == BlobOutcome::How::reused);
    CHECK(never.offsets.empty());
  }
}

TEST_CASE("regular files are checked against their git blob id", "[cache]") {
  Store s;
  FakeTransfer t{"from ._ops import ops\n"};
  BlobSpec spec{hash::git_blob_id(t.content), HashKind::git_blob_sha1, t.content.size()};
  CHECK(s.store.ensure(spec, t.fn()).ok());
  CHECK(fs::read_file(s.layout.blob_path(spec.etag)) == t.content);

  FakeTransfer empty{""};
  BlobSpec e{hash::git_blob_id(""), HashKind::git_blob_sha1, 0};
  CHECK(s.store.ensure(e, empty.fn()).ok());
  CHECK(std::filesystem::file_size(s.layout.blob_path(e.etag)) == 0);
}

TEST_CASE("an .incomplete prefix is resumed with the rest of the bytes", "[cache]") {
  Store s;
  FakeTransfer t{bytes(50000)};
  BlobSpec spec{hash::sha256_hex(t.content), HashKind::sha256, t.content.size()};
  fs::atomic_write(s.layout.incomplete_path(spec.etag), t.content.substr(0, 12345));
  auto out = s.store.ensure(spec, t.fn());
  CHECK(out.ok());
  CHECK(out.resumed_from == 12345);
  CHECK(out.transferred == 50000 - 12345);
  CHECK(t.offsets == std::vector<std::uint64_t>{12345});
  CHECK(fs::read_file(s.layout.blob_path(spec.etag)) == t.content);

  SECTION("a complete .incomplete needs no transfer") {
    FakeTransfer u{bytes(3000, 3)};
    BlobSpec spec2{hash::sha256_hex(u.content), HashKind::sha256, u.content.size()};
    fs::atomic_write(s.layout.incomplete_path(spec2.etag), u.content);
    CHECK(s.store.ensure(spec2, u.fn()).ok());
    CHECK(u.offsets.empty());
  }
}

TEST_CASE("a server ignoring Range makes the blob start over", "[cache]") {
  Store s;
  FakeTransfer t{bytes(40000)};
  t.ignore_range = true;
  BlobSpec spec{hash::sha256_hex(t.content), HashKind::sha256, t.content.size()};
  fs::atomic_write(s.layout.incomplete_path(spec.etag), t.content.substr(0, 1000));
  auto out = s.store.ensure(spec, t.fn());
  CHECK(out.ok());
  CHECK(out.resumed_from == 0);
  CHECK(fs::read_file(s.layout.blob_path(spec.etag)) == t.content);
}

TEST_CASE("content that does not match its name is never stored", "[cache]") {
  Store s;
  FakeTransfer t{bytes(20000)};
  BlobSpec spec{hash::sha256_hex(bytes(20000, 9)), HashKind::sha256, 20000};  // expects other bytes
  auto out = s.store.ensure(spec, t.fn());
  CHECK_FALSE(out.ok());
  CHECK(out.actual == hash::sha256_hex(t.content));
  CHECK_FALSE(std::filesystem::exists(s.layout.blob_path(spec.etag)));
  CHECK_FALSE(std::filesystem::exists(s.layout.incomplete_path(spec.etag)));
}

TEST_CASE("a bad resumed prefix is retried once from byte 0", "[cache]") {
  Store s;
  FakeTransfer t{bytes(30000)};
  BlobSpec spec{hash::sha256_hex(t.content), HashKind::sha256, t.content.size()};
  fs::atomic_write(s.layout.incomplete_path(spec.etag), std::string(5000, 'X'));  // garbage prefix
  auto out = s.store.ensure(spec, t.fn());
  CHECK(out.ok());
  CHECK(t.offsets == std::vector<std::uint64_t>{5000, 0});
  CHECK(fs::read_file(s.layout.blob_path(spec.etag)) == t.content);
}

TEST_CASE("a failed transfer keeps what arrived for the next run", "[cache]") {
  Store s;
  const auto content = bytes(3 * 1024 * 1024);
  BlobSpec spec{hash::sha256_hex(content), HashKind::sha256, content.size()};
  Transfer cut = [&](std::uint64_t, const std::function<bool(std::string_view)>& sink, const std::function<void()>&) {
    sink(std::string_view(content).substr(0, 1500000));
    throw Error(ErrorKind::network, "connection reset");
  };
  CHECK_THROWS_WITH(s.store.ensure(spec, cut), "connection reset");
  CHECK(std::filesystem::file_size(s.layout.incomplete_path(spec.etag)) == 1500000);
  CHECK_FALSE(std::filesystem::exists(s.layout.blob_path(spec.etag)));
  FakeTransfer rest{content};
  auto out = s.store.ensure(spec, rest.fn());
  CHECK(out.ok());
  CHECK(rest.offsets == std::vector<std::uint64_t>{1500000});
}

TEST_CASE("recheck replaces a cached blob that does not match its name", "[cache]") {
  Store s;
  FakeTransfer t{bytes(1000)};
  BlobSpec spec{hash::sha256_hex(t.content), HashKind::sha256, t.content.size()};
  fs::atomic_write(s.layout.blob_path(spec.etag), "tampered");
  FakeTransfer none{""};
  CHECK(s.store.ensure(spec, none.fn()).how == BlobOutcome::How::reused);  // trusted by name
  CHECK(s.store.ensure(spec, t.fn(), {}, /*recheck=*/true).ok());
  CHECK(fs::read_file(s.layout.blob_path(spec.etag)) == t.content);
}

TEST_CASE("the per-blob lock excludes a second holder", "[cache]") {
  fs::TempDir d;
  auto path = d.path() / ".locks/kernels--org--k/e.lock";
  {
    FileLock held(path);
    CHECK_FALSE(FileLock::try_lock_once(path));
  }
  CHECK(FileLock::try_lock_once(path));
}

TEST_CASE("snapshot links are relative, replace stale ones and resolve to the blob", "[cache]") {
  Store s;
  const std::string commit(40, 'c');
  fs::atomic_write(s.layout.blob_path("e1"), "one");
  fs::atomic_write(s.layout.blob_path("e2"), "two");
  SnapshotWriter w(s.layout);
  w.link(commit, "build/v/x.py", "e1");
  auto p = s.layout.pointer_path(commit, "build/v/x.py");
  CHECK(std::filesystem::read_symlink(p) == "../../../../blobs/e1");
  CHECK(fs::read_file(p) == "one");
  w.link(commit, "build/v/x.py", "e1");  // idempotent
  w.link(commit, "build/v/x.py", "e2");  // replaced atomically
  CHECK(fs::read_file(p) == "two");
  w.link(commit, "README.md", "e1");
  CHECK(std::filesystem::read_symlink(s.layout.pointer_path(commit, "README.md")) == "../../blobs/e1");
  CHECK_THROWS_AS(w.link(commit, "../evil", "e1"), Error);
  std::size_t entries = 0;
  for (auto& e : std::filesystem::directory_iterator(p.parent_path())) {
    (void)e;
    ++entries;
  }
  CHECK(entries == 1);  // no temp links left behind
}
