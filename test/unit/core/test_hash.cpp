#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/hash.hpp"

using namespace kcpp;

TEST_CASE("sha256 and git blob ids match known values", "[core][hash]") {
  CHECK(hash::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hash::sha1_hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  // `printf 'hello\n' | git hash-object --stdin`
  CHECK(hash::git_blob_id("hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a");
}

TEST_CASE("hex round-trips and rejects non-hex", "[core][hash]") {
  CHECK(hash::to_hex(hash::from_hex("00ff10")) == "00ff10");
  CHECK_THROWS_AS(hash::from_hex("zz"), Error);
  CHECK_THROWS_AS(hash::from_hex("abc"), Error);
}

TEST_CASE("atomic_write replaces the file and leaves no temp file", "[core][fs]") {
  fs::TempDir dir;
  auto p = dir.path() / "sub" / "file.txt";
  fs::atomic_write(p, "one");
  fs::atomic_write(p, "two");
  CHECK(fs::read_file(p) == "two");
  int count = 0;
  for (auto& e : std::filesystem::directory_iterator(p.parent_path())) { (void)e; ++count; }
  CHECK(count == 1);
}

TEST_CASE("errors render with causes and hints", "[core][error]") {
  Error e = Error(ErrorKind::repo_not_found, "repository not found").cause("404").hint("check the name");
  CHECK(render_error(e, false) == "error: repository not found\n  caused by: 404\nhint: check the name");
  CHECK(e.exit_code() == 1);
  CHECK(usage_error("x").exit_code() == 2);
}
