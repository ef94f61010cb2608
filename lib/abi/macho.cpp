#include "abi/macho.hpp"

#include <string>

#include "abi/byte_reader.hpp"

namespace kcpp::abi {

namespace {

constexpr std::uint32_t kMagic32 = 0xfeedface, kMagic64 = 0xfeedfacf;
constexpr std::uint32_t kCigam32 = 0xcefaedfe, kCigam64 = 0xcffaedfe;
constexpr std::uint32_t kFatMagic = 0xcafebabe, kFatMagic64 = 0xcafebabf;
constexpr std::uint32_t kLcSymtab = 0x2, kLcLoadDylib = 0xc, kLcVersionMinMacosx = 0x24, kLcBuildVersion = 0x32;
constexpr std::uint32_t kLcLoadWeakDylib = 0x80000018, kLcReexportDylib = 0x8000001f;
constexpr std::uint8_t kNStab = 0xe0, kNType = 0x0e, kNUndf = 0x0, kNExt = 0x01;

std::uint32_t magic_le(std::string_view bytes) { return ByteReader(bytes, false).u32(0); }

}  // namespace

MachOKind macho_kind(std::string_view bytes) {
  if (bytes.size() < 4) return MachOKind::none;
  const std::uint32_t le = magic_le(bytes);
  if (le == kMagic32 || le == kMagic64 || le == kCigam32 || le == kCigam64) return MachOKind::thin;
  const std::uint32_t be = ByteReader(bytes, true).u32(0);
  if (be == kFatMagic || be == kFatMagic64) return MachOKind::fat;
  return MachOKind::none;
}

MachOImage parse_macho(std::string_view bytes) {
  if (macho_kind(bytes) != MachOKind::thin) throw FormatError("not a thin Mach-O file", 0);
  MachOImage img;
  const std::uint32_t le = magic_le(bytes);
  img.is64 = le == kMagic64 || le == kCigam64;
  img.big_endian = le == kCigam32 || le == kCigam64;
  const ByteReader r(bytes, img.big_endian);
  const std::uint64_t header_size = img.is64 ? 32 : 28;
  r.require(0, header_size, "Mach-O header");
  img.cputype = r.u32(4);
  img.filetype = r.u32(12);
  const std::uint32_t ncmds = r.u32(16);
  const std::uint32_t sizeofcmds = r.u32(20);
  r.require(header_size, sizeofcmds, "load commands");
  const std::uint64_t end = header_size + sizeofcmds;

  std::uint64_t off = header_size;
  bool seen_symtab = false;
  for (std::uint32_t i = 0; i < ncmds; ++i) {
    if (!r.fits(off, 8) || off + 8 > end) throw FormatError("load command " + std::to_string(i) + " is truncated", off);
    const std::uint32_t cmd = r.u32(off);
    const std::uint32_t cmdsize = r.u32(off + 4);
    if (cmdsize < 8 || cmdsize > end - off)
      throw FormatError("load command " + std::to_string(i) + " has invalid size " + std::to_string(cmdsize), off);
    if (cmd == kLcBuildVersion && cmdsize >= 24 && !img.build_version_minos) img.build_version_minos = r.u32(off + 12);
    if (cmd == kLcVersionMinMacosx && cmdsize >= 16) img.version_min_macosx = r.u32(off + 8);
    if ((cmd == kLcLoadDylib || cmd == kLcLoadWeakDylib || cmd == kLcReexportDylib) && cmdsize >= 24) {
      const std::uint32_t name_off = r.u32(off + 8);
      if (name_off < cmdsize)
        img.dylibs.push_back(ByteReader::cstring(r.slice(off, cmdsize, "dylib command"), name_off, "dylib name"));
    }
    if (cmd == kLcSymtab && cmdsize >= 24 && !seen_symtab) {  // one table (the loader uses one)
      seen_symtab = true;
      const std::uint32_t symoff = r.u32(off + 8), nsyms = r.u32(off + 12);
      const std::uint32_t stroff = r.u32(off + 16), strsize = r.u32(off + 20);
      const std::uint64_t entsize = img.is64 ? 16 : 12;
      const std::string_view strings = r.slice(stroff, strsize, "Mach-O string table");
      r.require(symoff, checked_mul(nsyms, entsize, symoff), "Mach-O symbol table");
      for (std::uint64_t s = 0; s < nsyms; ++s) {
        const std::uint64_t o = symoff + s * entsize;
        const std::uint8_t type = r.u8(o + 4);
        if ((type & kNStab) != 0 || (type & kNType) != kNUndf || (type & kNExt) == 0) continue;
        const std::uint64_t value = img.is64 ? r.u64(o + 8) : r.u32(o + 8);
        if (value != 0) continue;  // a common symbol, not an import
        img.undefined_symbols.push_back(ByteReader::cstring(strings, r.u32(o), "Mach-O symbol name"));
      }
    }
    off += cmdsize;
  }
  return img;
}

std::optional<std::string_view> macho_arch_name(const MachOImage& image) {
  switch (image.cputype) {
    case 0x01000007:
      return "x86_64";
    case 0x0100000c:
      return "aarch64";
    case 7:
      return "i686";
    case 12:
      return "arm";
    case 18:
      return "ppc";
    case 0x01000012:
      return "ppc64";
    default:
      return std::nullopt;
  }
}

}  // namespace kcpp::abi
