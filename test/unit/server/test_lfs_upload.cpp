// FsLfsStore's streaming uploads (LfsUpload): bytes go to a temp file under lfs/tmp, only
// publish() makes them visible under their oid, and every other ending removes the temp file.
#include <catch2/catch.hpp>

#include <filesystem>

#include "core/fs.hpp"
#include "core/hash.hpp"
#include "server/lfs_store.hpp"

using namespace kcpp;
using namespace kcpp::server;

namespace {

std::size_t files_in(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return 0;
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST_CASE("LfsUpload streams into a temp file and publishes by rename", "[server][lfs]") {
  fs::TempDir dir;
  FsLfsStore store(dir.path() / "lfs");
  std::string a(300000, 'a'), b("\0tail", 5);
  std::string content = a + b;
  std::string oid = hash::sha256_hex(content);

  auto upload = store.begin_upload();
  upload->write(a.data(), a.size());
  CHECK(files_in(store.tmp_dir()) == 1);  // on disk while it arrives...
  CHECK_FALSE(store.size_of(oid));        // ...but not under the oid
  upload->write(b.data(), b.size());
  CHECK(upload->size() == content.size());
  LfsPointer p = upload->finish();
  CHECK(p == LfsPointer{oid, content.size()});
  CHECK(upload->finish() == p);  // idempotent
  CHECK_FALSE(store.size_of(oid));
  upload->publish();
  CHECK(store.size_of(oid) == content.size());
  upload.reset();
  CHECK(files_in(store.tmp_dir()) == 0);

  std::string back(content.size(), '\0');
  CHECK(store.open(oid)->read_at(0, back.data(), back.size()) == content.size());
  CHECK(back == content);
}

TEST_CASE("LfsUpload leaves nothing when it is not published", "[server][lfs]") {
  fs::TempDir dir;
  FsLfsStore store(dir.path() / "lfs");
  std::string content(100000, 'x');
  std::string oid = hash::sha256_hex(content);

  SECTION("abandoned mid-way") {
    auto upload = store.begin_upload();
    upload->write(content.data(), content.size() / 2);
    CHECK(files_in(store.tmp_dir()) == 1);
  }
  SECTION("finished but refused") {
    auto upload = store.begin_upload();
    upload->write(content.data(), content.size());
    CHECK(upload->finish().oid == oid);
    CHECK_THROWS(upload->write("y", 1));  // no writes after finish()
  }
  CHECK(files_in(store.tmp_dir()) == 0);
  CHECK_FALSE(store.size_of(oid));
}

TEST_CASE("LfsUpload of an object already stored keeps the stored one", "[server][lfs]") {
  fs::TempDir dir;
  FsLfsStore store(dir.path() / "lfs");
  std::string content(4096, 'q');
  for (int i = 0; i < 2; ++i) {
    auto upload = store.begin_upload();
    upload->write(content.data(), content.size());
    upload->publish();  // finish() is implied
  }
  CHECK(store.size_of(hash::sha256_hex(content)) == content.size());
  CHECK(files_in(store.tmp_dir()) == 0);
}

TEST_CASE("unfinished uploads of a dead process are removed once old, live ones are kept", "[server][lfs]") {
  fs::TempDir dir;
  FsLfsStore store(dir.path() / "lfs");
  std::filesystem::create_directories(store.tmp_dir());
  // What a SIGKILLed server leaves behind: a .part file that no LfsUpload owns any more.
  const auto dead = store.tmp_dir() / "0123456789abcdef.part";
  fs::atomic_write(dead, "half an object");
  std::filesystem::last_write_time(dead, std::filesystem::file_time_type::clock::now() - std::chrono::hours(2));
  const auto other = store.tmp_dir() / "notes.txt";  // not ours: never touched
  fs::atomic_write(other, "x");
  std::filesystem::last_write_time(other, std::filesystem::file_time_type::clock::now() - std::chrono::hours(2));
  auto live = store.begin_upload();
  live->write("abc", 3);

  CHECK(store.remove_stale_uploads(std::chrono::hours(1)) == 1);
  CHECK_FALSE(std::filesystem::exists(dead));
  CHECK(std::filesystem::exists(other));
  CHECK(files_in(store.tmp_dir()) == 2);  // the live upload's file and notes.txt
  CHECK(store.remove_stale_uploads(std::chrono::hours(1)) == 0);
}
