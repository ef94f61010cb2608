#include "abi/elf.hpp"

#include <string>

#include "abi/byte_reader.hpp"

namespace kcpp::abi {

namespace {

constexpr std::uint32_t kShtSymtab = 2;
constexpr std::uint32_t kShtDynamic = 6;
constexpr std::uint32_t kShtNobits = 8;
constexpr std::uint32_t kShtDynsym = 11;
constexpr std::uint32_t kShtGnuVerdef = 0x6ffffffd;
constexpr std::uint32_t kShtGnuVerneed = 0x6ffffffe;
constexpr std::uint32_t kShtGnuVersym = 0x6fffffff;
constexpr std::uint16_t kShnXindex = 0xffff;
constexpr std::uint64_t kDtNull = 0, kDtNeeded = 1, kDtSoname = 14;

class ElfParser {
 public:
  explicit ElfParser(std::string_view bytes) : bytes_(bytes), r_(bytes, false) {}

  ElfImage parse() {
    header();
    section_headers();
    const ElfSection* dynsym = nullptr;
    for (const auto& s : img_.sections) {
      if (s.type == kShtDynsym && !dynsym) dynsym = &s;
      if (s.type == kShtSymtab) img_.has_symtab = true;
    }
    version_tables();
    if (dynsym) symbols(*dynsym);
    for (const auto& s : img_.sections)
      if (s.type == kShtDynamic) {
        dynamic(s);
        break;
      }
    return std::move(img_);
  }

 private:
  void header() {
    if (!is_elf(bytes_)) throw FormatError("not an ELF file (bad magic)", 0);
    r_.require(0, 16, "ELF identification");
    const auto cls = r_.u8(4), data = r_.u8(5);
    if (cls != 1 && cls != 2) throw FormatError("invalid ELF class " + std::to_string(cls), 4);
    if (data != 1 && data != 2) throw FormatError("invalid ELF data encoding " + std::to_string(data), 5);
    img_.is64 = cls == 2;
    img_.big_endian = data == 2;
    img_.osabi = r_.u8(7);
    r_ = ByteReader(bytes_, img_.big_endian);
    r_.require(0, img_.is64 ? 64 : 52, "ELF header");
    img_.type = r_.u16(16);
    img_.machine = r_.u16(18);
  }

  std::uint64_t hdr(std::uint64_t off64, std::uint64_t off32, unsigned size) const {
    const std::uint64_t off = img_.is64 ? off64 : off32;
    return size == 2 ? r_.u16(off) : size == 4 ? r_.u32(off) : r_.word(off, img_.is64);
  }

  void section_headers() {
    const std::uint64_t shoff = hdr(40, 32, 0);
    const std::uint64_t shentsize = hdr(58, 46, 2);
    std::uint64_t shnum = hdr(60, 48, 2);
    std::uint64_t shstrndx = hdr(62, 50, 2);
    if (shoff == 0) throw FormatError("ELF file has no section headers (its symbols cannot be read without them)", 0);
    const std::uint64_t min_entsize = img_.is64 ? 64 : 40;
    if (shentsize < min_entsize)
      throw FormatError("section header entry size " + std::to_string(shentsize) + " is too small", shoff);
    r_.require(shoff, shentsize, "section header 0");
    // Extended numbering: counts too large for the header live in section 0.
    if (shnum == 0) shnum = img_.is64 ? r_.u64(shoff + 32) : r_.u32(shoff + 20);
    if (shstrndx == kShnXindex) shstrndx = img_.is64 ? r_.u32(shoff + 40) : r_.u32(shoff + 24);
    r_.require(shoff, checked_mul(shnum, shentsize, shoff), "section header table");

    img_.sections.reserve(static_cast<std::size_t>(shnum));
    std::vector<std::uint32_t> name_offsets;
    for (std::uint64_t i = 0; i < shnum; ++i) {
      const std::uint64_t o = shoff + i * shentsize;
      ElfSection s;
      name_offsets.push_back(r_.u32(o));
      s.type = r_.u32(o + 4);
      if (img_.is64) {
        s.flags = r_.u64(o + 8);
        s.offset = r_.u64(o + 24);
        s.size = r_.u64(o + 32);
        s.link = r_.u32(o + 40);
        s.info = r_.u32(o + 44);
        s.entsize = r_.u64(o + 56);
      } else {
        s.flags = r_.u32(o + 8);
        s.offset = r_.u32(o + 16);
        s.size = r_.u32(o + 20);
        s.link = r_.u32(o + 24);
        s.info = r_.u32(o + 28);
        s.entsize = r_.u32(o + 36);
      }
      img_.sections.push_back(s);
    }
    if (shstrndx != 0 && shstrndx < img_.sections.size()) {
      const std::string_view names = section_bytes(bytes_, img_.sections[shstrndx]);
      for (std::size_t i = 0; i < img_.sections.size(); ++i)
        if (name_offsets[i] < names.size())
          img_.sections[i].name = ByteReader::cstring(names, name_offsets[i], "section name");
    }
  }

  // The string table a section links to (sh_link), checked.
  std::string_view linked_strings(const ElfSection& s, const char* what) const {
    if (s.link == 0 || s.link >= img_.sections.size())
      throw FormatError(std::string(what) + " links to no valid string table (sh_link " + std::to_string(s.link) + ")",
                        s.offset);
    return section_bytes(bytes_, img_.sections[s.link]);
  }

  void version_tables() {
    for (const auto& s : img_.sections) {
      if (s.type == kShtGnuVerneed) verneed(s);
      if (s.type == kShtGnuVerdef) verdef(s);
      if (s.type == kShtGnuVersym) versym_ = &s;
    }
  }

  // Elfxx_Verneed (16 bytes) → Elfxx_Vernaux (16 bytes) chains; both classes share the
  // layout. Loops are bounded by the section size: a chain can visit each 16-byte slot at
  // most once before it must leave the section.
  void verneed(const ElfSection& s) {
    const std::string_view strings = linked_strings(s, ".gnu.version_r");
    const std::string_view table = section_bytes(bytes_, s);
    const ByteReader t(table, img_.big_endian);
    const std::uint64_t max_steps = table.size() / 16 + 1;
    std::uint64_t off = 0;
    for (std::uint64_t n = 0; n < max_steps && (s.info == 0 || n < s.info); ++n) {
      ElfVersionNeed need;
      const std::uint16_t cnt = t.u16(off + 2);
      need.file = ByteReader::cstring(strings, t.u32(off + 4), "version need file");
      std::uint64_t aux = checked_add(off, t.u32(off + 8), off);
      for (std::uint16_t a = 0; a < cnt && a < max_steps; ++a) {
        const std::uint16_t index = t.u16(aux + 6) & 0x7fff;
        const std::string_view name = ByteReader::cstring(strings, t.u32(aux + 8), "version need name");
        need.versions.push_back(name);
        remember_version(index, name, need.file);
        const std::uint32_t next = t.u32(aux + 12);
        if (next == 0) break;
        aux = checked_add(aux, next, aux);
      }
      img_.version_needs.push_back(std::move(need));
      const std::uint32_t next = t.u32(off + 12);
      if (next == 0) break;
      off = checked_add(off, next, off);
    }
  }

  // Elfxx_Verdef (20 bytes) → first Elfxx_Verdaux (8 bytes) holds the version's name.
  void verdef(const ElfSection& s) {
    const std::string_view strings = linked_strings(s, ".gnu.version_d");
    const std::string_view table = section_bytes(bytes_, s);
    const ByteReader t(table, img_.big_endian);
    const std::uint64_t max_steps = table.size() / 20 + 1;
    std::uint64_t off = 0;
    for (std::uint64_t n = 0; n < max_steps && (s.info == 0 || n < s.info); ++n) {
      const std::uint16_t index = t.u16(off + 4) & 0x7fff;
      const std::uint16_t cnt = t.u16(off + 6);
      if (cnt > 0) {
        const std::uint64_t aux = checked_add(off, t.u32(off + 12), off);
        remember_version(index, ByteReader::cstring(strings, t.u32(aux), "version definition name"), {});
      }
      const std::uint32_t next = t.u32(off + 16);
      if (next == 0) break;
      off = checked_add(off, next, off);
    }
  }

  void remember_version(std::uint16_t index, std::string_view name, std::string_view file) {
    if (index < 2) return;  // 0 local, 1 global: not real versions
    if (versions_.size() <= index) versions_.resize(static_cast<std::size_t>(index) + 1);
    versions_[index] = {name, file};
  }

  void symbols(const ElfSection& s) {
    const std::uint64_t entsize = img_.is64 ? 24 : 16;
    if (s.entsize != 0 && s.entsize != entsize)
      throw FormatError(".dynsym entry size " + std::to_string(s.entsize) + " is not " + std::to_string(entsize),
                        s.offset);
    const std::string_view strings = linked_strings(s, ".dynsym");
    const std::string_view table = section_bytes(bytes_, s);
    const ByteReader t(table, img_.big_endian);
    std::string_view versym;
    if (versym_) versym = section_bytes(bytes_, *versym_);
    const ByteReader v(versym, img_.big_endian);
    const std::uint64_t count = table.size() / entsize;
    for (std::uint64_t i = 1; i < count; ++i) {
      const std::uint64_t o = i * entsize;
      const std::uint16_t shndx = img_.is64 ? t.u16(o + 6) : t.u16(o + 14);
      if (shndx != 0) continue;  // defined here: not an import
      ElfSymbol sym;
      sym.name = ByteReader::cstring(strings, t.u32(o), "symbol name");
      const std::uint8_t info = img_.is64 ? t.u8(o + 4) : t.u8(o + 12);
      sym.bind = info >> 4;
      sym.type = info & 0xf;
      sym.undefined = true;
      if (v.fits(i * 2, 2)) {
        const std::uint16_t raw = v.u16(i * 2);
        const std::uint16_t index = raw & 0x7fff;
        sym.hidden = (raw & 0x8000) != 0;
        if (index >= 2 && index < versions_.size()) {
          sym.version = versions_[index].name;
          sym.version_file = versions_[index].file;
        }
      }
      img_.undefined_symbols.push_back(sym);
    }
  }

  void dynamic(const ElfSection& s) {
    const std::string_view strings = linked_strings(s, ".dynamic");
    const std::string_view table = section_bytes(bytes_, s);
    const ByteReader t(table, img_.big_endian);
    const std::uint64_t entsize = img_.is64 ? 16 : 8;
    for (std::uint64_t o = 0; t.fits(o, entsize); o += entsize) {
      const std::uint64_t tag = t.word(o, img_.is64);
      const std::uint64_t val = t.word(o + entsize / 2, img_.is64);
      if (tag == kDtNull) break;
      if (tag == kDtNeeded) img_.needed.push_back(ByteReader::cstring(strings, val, "DT_NEEDED"));
      if (tag == kDtSoname) img_.soname = ByteReader::cstring(strings, val, "DT_SONAME");
    }
  }

  struct VersionName {
    std::string_view name, file;
  };

  std::string_view bytes_;
  ByteReader r_;
  ElfImage img_;
  const ElfSection* versym_ = nullptr;
  std::vector<VersionName> versions_;  // by version index (at most 0x7fff + 1 entries)
};

}  // namespace

const ElfSection* ElfImage::section(std::string_view name) const {
  for (const auto& s : sections)
    if (s.name == name) return &s;
  return nullptr;
}

bool is_elf(std::string_view bytes) {
  return bytes.size() >= 4 && bytes.substr(0, 4) == std::string_view(
                                                        "\x7f"
                                                        "ELF",
                                                        4);
}

ElfImage parse_elf(std::string_view bytes) { return ElfParser(bytes).parse(); }

std::string_view section_bytes(std::string_view bytes, const ElfSection& section) {
  if (section.type == kShtNobits) return {};
  const std::string name(section.name.empty() ? "section" : section.name);
  return ByteReader(bytes, false).slice(section.offset, section.size, name.c_str());
}

std::optional<std::string_view> elf_arch_name(const ElfImage& image) {
  switch (image.machine) {
    case 62:
      return "x86_64";
    case 183:
      return "aarch64";
    case 3:
      return "i686";
    case 21:
      return image.big_endian ? "ppc64" : "ppc64le";
    case 22:
      return image.is64 ? std::optional<std::string_view>("s390x") : std::nullopt;
    case 40:
      return "armv7l";
    case 243:
      return image.is64 ? std::optional<std::string_view>("riscv64") : std::nullopt;
    case 258:
      return "loongarch64";
    default:
      return std::nullopt;
  }
}

}  // namespace kcpp::abi
