// The ELF reader on shared objects the host compiler builds, and on truncated and corrupted
// copies of them: every malformed input must come back as a FormatError, never a crash.
#include <catch2/catch.hpp>

#include <algorithm>

#include "abi/analysis.hpp"
#include "abi/byte_reader.hpp"
#include "abi/elf.hpp"
#include "abi/object_file.hpp"
#include "core/fs.hpp"
#include "fixtures.hpp"

using namespace kcpp;
using namespace kcpp::abi;
using kcpp::test::build_so;

namespace {

const ImportedSymbol* find_import(const ObjectFile& obj, std::string_view name) {
  for (const auto& s : obj.imports)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace

TEST_CASE("the ELF reader finds needed libraries, imports and their versions", "[abi]") {
  fs::TempDir tmp("kcpp-abi");
  auto so = build_so(tmp.path(), "libglibc.so", test::kNewGlibcC);
  REQUIRE(so);
  const std::string bytes = test::read_bytes(*so);
  const ObjectFile obj = read_object(bytes);
  CHECK(obj.format == ObjectFormat::elf);
  REQUIRE(obj.elf);
  CHECK(obj.elf->type == 3);  // ET_DYN
  CHECK(obj.elf->has_symtab);
  CHECK(std::find(obj.needed.begin(), obj.needed.end(), "libc.so.6") != obj.needed.end());
  const auto* pc = find_import(obj, "pthread_create");
  REQUIRE(pc);
  CHECK(pc->version.rfind("GLIBC_", 0) == 0);
  CHECK(pc->version_file == "libc.so.6");
  // The defined function is not an import.
  CHECK_FALSE(find_import(obj, "kcpp_fixture_start"));
  // Version needs list what the loader checks.
  bool listed = false;
  for (const auto& need : obj.elf->version_needs)
    for (auto v : need.versions) listed = listed || v == pc->version;
  CHECK(listed);
#if defined(__x86_64__)
  CHECK(obj.arch == std::optional<std::string_view>("x86_64"));
#elif defined(__aarch64__)
  CHECK(obj.arch == std::optional<std::string_view>("aarch64"));
#endif
}

TEST_CASE("a stripped library keeps its dynamic symbols", "[abi]") {
  fs::TempDir tmp("kcpp-abi");
  auto so = build_so(tmp.path(), "libstripped.so", test::kNewGlibcC, "-s");
  REQUIRE(so);
  const std::string bytes = test::read_bytes(*so);
  const ObjectFile obj = read_object(bytes);
  CHECK_FALSE(obj.elf->has_symtab);  // upstream's reader (.symtab) would see nothing here
  CHECK(find_import(obj, "pthread_create"));
}

TEST_CASE("truncated ELF files are rejected with an offset, at every length", "[abi]") {
  fs::TempDir tmp("kcpp-abi");
  auto so = build_so(tmp.path(), "libok.so", test::kCompliantC);
  REQUIRE(so);
  const std::string bytes = test::read_bytes(*so);
  // Every prefix: a FormatError or (for prefixes that keep all tables) a valid parse.
  std::size_t rejected = 0;
  for (std::size_t n = 0; n < bytes.size(); n += (n < 256 ? 1 : 97)) {
    const std::string cut = bytes.substr(0, n);
    try {
      (void)read_object(cut);
    } catch (const FormatError& e) {
      ++rejected;
      CHECK(std::string(e.what()).find("offset") != std::string::npos);
    }
  }
  CHECK(rejected > 100);
  // Analysis never throws: it reports.
  AbiOptions options;
  options.manylinux = find_manylinux_policy("manylinux_2_28");
  const auto a = analyze_library(bytes.substr(0, 100), options);
  REQUIRE(a.parse_error);
  CHECK(a.parse_error->find("past the end of the file") != std::string::npos);
}

TEST_CASE("corrupted ELF headers and tables are rejected, not followed", "[abi]") {
  fs::TempDir tmp("kcpp-abi");
  auto so = build_so(tmp.path(), "libok.so", test::kCompliantC);
  REQUIRE(so);
  const std::string good = test::read_bytes(*so);
  REQUIRE(good.size() > 64);
  REQUIRE(good[4] == 2);  // ELF64 (offsets below are ELF64's)
  auto patched = [&](std::size_t at, std::uint64_t value, int n) {
    std::string b = good;
    for (int i = 0; i < n; ++i) b[at + i] = static_cast<char>((value >> (8 * i)) & 0xff);
    return b;
  };
  CHECK_THROWS_AS(read_object(patched(4, 7, 1)), FormatError);                       // bad class
  CHECK_THROWS_AS(read_object(patched(40, 0xffffffffffffff00ull, 8)), FormatError);  // e_shoff far away
  CHECK_THROWS_AS(read_object(patched(40, 0, 8)), FormatError);                      // no section headers
  CHECK_THROWS_AS(read_object(patched(58, 4, 2)), FormatError);                      // e_shentsize too small
  CHECK_THROWS_AS(read_object(patched(60, 0xffff, 2)), FormatError);                 // e_shnum beyond the file
  // Every section header pointing far away: a FormatError, never a read outside the buffer.
  const ObjectFile obj = read_object(good);
  const std::uint64_t shoff = ByteReader(good, false).u64(40);
  for (std::size_t i = 1; i < obj.elf->sections.size(); ++i) {
    const std::size_t at = shoff + i * 64;
    if (obj.elf->sections[i].type == 8) continue;                // SHT_NOBITS has no file bytes
    std::string b = patched(at + 24, 0x7fffffffffffffffull, 8);  // sh_offset
    try {
      (void)read_object(b);
    } catch (const FormatError&) {
    }
    b = patched(at + 32, 0xffffffffffffffffull, 8);  // sh_size
    try {
      (void)read_object(b);
    } catch (const FormatError&) {
    }
  }
  // Garbage after a valid magic.
  CHECK_THROWS_AS(read_object(std::string("\x7f"
                                          "ELF\x02\x01\x01",
                                          7) +
                              std::string(200, '\xff')),
                  FormatError);
}

TEST_CASE("non-ELF inputs are classified, not parsed", "[abi]") {
  CHECK(read_object("").format == ObjectFormat::unknown);
  CHECK(read_object("hello world").format == ObjectFormat::unknown);
  CHECK(read_object(std::string("MZ\x90\x00", 4)).format == ObjectFormat::pe);
  CHECK(read_object(std::string("\xca\xfe\xba\xbe\x00\x00\x00\x02", 8)).format == ObjectFormat::macho_fat);
}

TEST_CASE("checked arithmetic refuses wrap-around", "[abi]") {
  CHECK_THROWS_AS(checked_add(~0ull, 1, 0), FormatError);
  CHECK_THROWS_AS(checked_mul(1ull << 40, 1ull << 40, 0), FormatError);
  CHECK(checked_mul(0, ~0ull, 0) == 0);
  const ByteReader r("abc", false);
  CHECK_FALSE(r.fits(2, ~0ull));
  CHECK_THROWS_AS(r.u32(0), FormatError);
  CHECK_THROWS_AS(ByteReader::cstring("abc", 0, "t"), FormatError);  // unterminated
  CHECK(ByteReader::cstring(std::string_view("ab\0c\0", 5), 3, "t") == "c");
  CHECK_THROWS_AS(ByteReader::cstring(std::string_view("ab\0c", 4), 3, "t"), FormatError);
}
