#include "abi/object_file.hpp"

namespace kcpp::abi {

std::string_view format_name(ObjectFormat f) {
  switch (f) {
    case ObjectFormat::elf:
      return "ELF";
    case ObjectFormat::macho:
      return "Mach-O";
    case ObjectFormat::macho_fat:
      return "Mach-O universal";
    case ObjectFormat::pe:
      return "PE/COFF";
    case ObjectFormat::unknown:
      break;
  }
  return "unknown";
}

std::string ObjectFile::describe() const {
  std::string out(format_name(format));
  if (format == ObjectFormat::elf || format == ObjectFormat::macho) {
    out += is64 ? " 64-bit" : " 32-bit";
    const bool big = elf ? elf->big_endian : macho && macho->big_endian;
    out += big ? " MSB" : " LSB";
    out += ", " + std::string(arch ? *arch : std::string_view("unknown architecture"));
  }
  return out;
}

ObjectFile read_object(std::string_view bytes) {
  ObjectFile out;
  if (is_elf(bytes)) {
    out.format = ObjectFormat::elf;
    out.elf = parse_elf(bytes);
    out.is64 = out.elf->is64;
    out.arch = elf_arch_name(*out.elf);
    for (const auto& s : out.elf->undefined_symbols)
      if (s.undefined && !s.name.empty()) out.imports.push_back({s.name, s.version, s.version_file});
    out.needed = out.elf->needed;
    return out;
  }
  switch (macho_kind(bytes)) {
    case MachOKind::thin:
      out.format = ObjectFormat::macho;
      out.macho = parse_macho(bytes);
      out.is64 = out.macho->is64;
      out.arch = macho_arch_name(*out.macho);
      for (auto name : out.macho->undefined_symbols) out.imports.push_back({name, {}, {}});
      out.needed = out.macho->dylibs;
      return out;
    case MachOKind::fat:
      out.format = ObjectFormat::macho_fat;
      return out;
    case MachOKind::none:
      break;
  }
  if (bytes.size() >= 2 && bytes[0] == 'M' && bytes[1] == 'Z') out.format = ObjectFormat::pe;
  return out;
}

}  // namespace kcpp::abi
