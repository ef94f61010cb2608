#pragma once
// One view over the object formats a kernel ships: recognises ELF, thin and universal
// Mach-O and PE/COFF by magic, and gives the rules what they need in one shape — the
// imported (undefined) symbols with their GNU versions, the libraries the file needs, its
// architecture. Views borrow the caller's bytes.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abi/elf.hpp"
#include "abi/macho.hpp"

namespace kcpp::abi {

enum class ObjectFormat { elf, macho, macho_fat, pe, unknown };

// "ELF", "Mach-O", "Mach-O universal", "PE/COFF", "unknown".
std::string_view format_name(ObjectFormat f);

struct ImportedSymbol {
  std::string_view name;          // as the loader sees it (Mach-O: with its leading '_')
  std::string_view version;       // GNU version tag ("GLIBC_2.34"), ELF only; empty if none
  std::string_view version_file;  // library named by the version need ("libc.so.6")
};

struct ObjectFile {
  ObjectFormat format = ObjectFormat::unknown;
  std::optional<std::string_view> arch;  // policy architecture name (elf_arch_name / macho_arch_name)
  bool is64 = true;
  std::vector<ImportedSymbol> imports;
  std::vector<std::string_view> needed;  // DT_NEEDED / LC_LOAD_DYLIB
  std::optional<ElfImage> elf;
  std::optional<MachOImage> macho;
  // "ELF 64-bit LSB, x86_64" — for reports.
  std::string describe() const;
};

// Recognises and, for ELF and thin Mach-O, parses BYTES. Other formats come back with
// only `format` set. Throws FormatError when an ELF or Mach-O file is malformed.
ObjectFile read_object(std::string_view bytes);

}  // namespace kcpp::abi
