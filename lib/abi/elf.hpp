#pragma once
// A careful ELF reader for the ABI rules: header, section headers, the dynamic symbol
// table with its GNU symbol versions (.gnu.version, .gnu.version_r, .gnu.version_d),
// DT_NEEDED / DT_SONAME, and section contents by name (for .nv_fatbin).
//
// Why our own reader and not libelf: the input is untrusted (anything a Hub repo serves),
// the reader is fuzzed with ASan/UBSan (test/fuzz), and every read here goes through
// ByteReader's bounds checks, so a malformed file is a FormatError naming the offset,
// never a crash. ELF32/ELF64, little and big endian.
//
// What the rules read is what the dynamic loader uses: .dynsym + version needs. (Upstream
// kernel-abi-check reads the static .symtab, whose undefined names carry "@VERSION" and
// which `strip` removes — so upstream checks nothing in a stripped library; we do.)
//
// The image borrows the caller's bytes: names are string_views into them, so the buffer
// must outlive the image. Nothing is copied per symbol, which keeps memory bounded by the
// file size whatever the counts in its headers say.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace kcpp::abi {

struct ElfSection {
  std::string_view name;
  std::uint32_t type = 0;  // SHT_*
  std::uint64_t flags = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint32_t link = 0;
  std::uint32_t info = 0;
  std::uint64_t entsize = 0;
};

struct ElfSymbol {
  std::string_view name;
  bool undefined = false;  // st_shndx == SHN_UNDF
  std::uint8_t bind = 0;   // STB_*
  std::uint8_t type = 0;   // STT_*
  // GNU symbol version ("GLIBC_2.34") and, for undefined symbols, the library whose version
  // need names it ("libc.so.6"). Empty for unversioned symbols.
  std::string_view version;
  std::string_view version_file;
  bool hidden = false;  // versym bit 15 (not the default version)
};

// One Elfxx_Verneed with its Vernaux names: FILE must provide each of VERSIONS.
struct ElfVersionNeed {
  std::string_view file;
  std::vector<std::string_view> versions;
};

struct ElfImage {
  bool is64 = true;
  bool big_endian = false;
  std::uint8_t osabi = 0;
  std::uint16_t type = 0;     // ET_*
  std::uint16_t machine = 0;  // EM_*
  std::vector<ElfSection> sections;
  std::vector<std::string_view> needed;  // DT_NEEDED, in order
  std::optional<std::string_view> soname;
  // The undefined (imported) entries of .dynsym — all the rules need; defined symbols are
  // skipped (libtorch has 10^5 of them) so memory stays proportional to the imports.
  std::vector<ElfSymbol> undefined_symbols;
  std::vector<ElfVersionNeed> version_needs;
  bool has_symtab = false;  // a static .symtab is present (not stripped)

  const ElfSection* section(std::string_view name) const;
};

// Whether BYTES starts with the ELF magic.
bool is_elf(std::string_view bytes);

// Parses BYTES (see the file comment). Throws FormatError for anything malformed or
// truncated that the rules need; ELF files without section headers are rejected (their
// symbols cannot be read without relocating the dynamic segment).
ElfImage parse_elf(std::string_view bytes);

// The file bytes of SECTION (empty for SHT_NOBITS); throws FormatError when out of range.
std::string_view section_bytes(std::string_view bytes, const ElfSection& section);

// upstream's arch names (kernel-abi-check ArchStr, auditwheel's policy keys): x86_64,
// aarch64, i686, ppc64, ppc64le, s390x, armv7l, riscv64, loongarch64; nullopt otherwise.
std::optional<std::string_view> elf_arch_name(const ElfImage& image);

}  // namespace kcpp::abi
