#include <catch2/catch.hpp>

#include "core/fs.hpp"
#include "core/hash.hpp"
#include "server/lfs_pointer.hpp"
#include "server/lfs_store.hpp"

using namespace kcpp;
using namespace kcpp::server;

namespace {
const std::string kOid = "7c5d3f0a9d1e0f2c3b4a5968778695a4b3c2d1e0f9e8d7c6b5a4938271605f4e";
}

TEST_CASE("LFS pointers format and parse canonically", "[server][lfs]") {
  LfsPointer p{kOid, 52342880};
  std::string text = format_lfs_pointer(p);
  CHECK(text == "version https://git-lfs.github.com/spec/v1\noid sha256:" + kOid + "\nsize 52342880\n");
  CHECK(parse_lfs_pointer(text) == p);
  // Extension keys are allowed by the spec.
  CHECK(parse_lfs_pointer("version https://git-lfs.github.com/spec/v1\next-0-foo sha256:" + kOid +
                          "\noid sha256:" + kOid + "\nsize 1\n")
            .has_value());
}

TEST_CASE("text that is not a pointer is not parsed as one", "[server][lfs]") {
  CHECK_FALSE(parse_lfs_pointer("").has_value());
  CHECK_FALSE(parse_lfs_pointer("hello\n").has_value());
  CHECK_FALSE(
      parse_lfs_pointer("version https://git-lfs.github.com/spec/v1\noid sha256:" + kOid + "\nsize 1").has_value());
  CHECK_FALSE(parse_lfs_pointer("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 1\n").has_value());
  CHECK_FALSE(
      parse_lfs_pointer("version https://git-lfs.github.com/spec/v1\noid md5:" + kOid + "\nsize 1\n").has_value());
  CHECK_FALSE(
      parse_lfs_pointer("version https://git-lfs.github.com/spec/v1\noid sha256:" + kOid + "\nsize -1\n").has_value());
  CHECK_FALSE(parse_lfs_pointer("version https://git-lfs.github.com/spec/v1\nsize 1\n").has_value());
  CHECK_FALSE(parse_lfs_pointer(format_lfs_pointer({kOid, 1}) + std::string(2000, 'x') + "\n").has_value());
}

TEST_CASE("the LFS decision: NUL in the first 8000 bytes or at least 10 MiB", "[server][lfs]") {
  CHECK_FALSE(should_store_as_lfs("", 0));
  CHECK_FALSE(should_store_as_lfs("plain text\n", 11));
  CHECK(should_store_as_lfs(std::string("ELF\0\1", 5), 5));
  std::string late_nul(kBinarySniffBytes, 'a');
  late_nul += '\0';
  CHECK_FALSE(looks_binary(late_nul));
  CHECK_FALSE(should_store_as_lfs(late_nul, late_nul.size()));
  CHECK(should_store_as_lfs("text", kLfsSizeThreshold));
  CHECK_FALSE(should_store_as_lfs("text", kLfsSizeThreshold - 1));
}

TEST_CASE("FsLfsStore stores content by sha256 and reads it back at offsets", "[server][lfs]") {
  fs::TempDir dir;
  FsLfsStore store(dir.path() / "lfs");
  std::string content = std::string("\0binary", 7) + std::string(100000, 'z');
  fs::atomic_write(dir.path() / "src.bin", content);

  LfsPointer p = store.put_file(dir.path() / "src.bin");
  CHECK(p.oid == hash::sha256_hex(content));
  CHECK(p.size == content.size());
  CHECK(store.object_path(p.oid) == dir.path() / "lfs" / "objects" / p.oid.substr(0, 2) / p.oid.substr(2, 2) / p.oid);
  CHECK(store.size_of(p.oid) == content.size());
  CHECK(store.put_file(dir.path() / "src.bin") == p);  // idempotent

  auto reader = store.open(p.oid);
  REQUIRE(reader);
  CHECK(reader->size() == content.size());
  std::string buf(10, '\0');
  CHECK(reader->read_at(1, buf.data(), buf.size()) == 10);
  CHECK(buf == content.substr(1, 10));
  CHECK(reader->read_at(content.size(), buf.data(), buf.size()) == 0);

  CHECK(store.open(std::string(64, 'a')) == nullptr);
  CHECK(store.open("../../etc/passwd") == nullptr);
  CHECK_FALSE(store.size_of("not-an-oid").has_value());
}
