#pragma once
// A minimal, bounds-checked Mach-O reader for the rules upstream applies to macOS kernels:
// the minimum OS version (LC_BUILD_VERSION.minos), the undefined symbols (LC_SYMTAB) for
// the Python and torch ABI checks, and the linked dylibs (for display). Thin (single-arch)
// files only, 32 and 64 bit, either byte order; universal ("fat") files are recognised but
// not parsed (upstream's reader rejects them too).
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace kcpp::abi {

struct MachOImage {
  bool is64 = true;
  bool big_endian = false;
  std::uint32_t cputype = 0;
  std::uint32_t filetype = 0;
  // LC_BUILD_VERSION minos as (major, minor, patch): major = v >> 16, minor = (v >> 8) & 0xff,
  // patch = v & 0xff, exactly as upstream decodes it.
  std::optional<std::uint32_t> build_version_minos;
  std::optional<std::uint32_t> version_min_macosx;  // legacy LC_VERSION_MIN_MACOSX (display only)
  std::vector<std::string_view> undefined_symbols;  // raw names ("_PyList_New")
  std::vector<std::string_view> dylibs;             // LC_LOAD_DYLIB / weak / reexport names
};

enum class MachOKind { none, thin, fat };

// Classifies BYTES by magic.
MachOKind macho_kind(std::string_view bytes);

// Parses a thin Mach-O; throws FormatError when malformed. Names borrow BYTES.
MachOImage parse_macho(std::string_view bytes);

// x86_64, aarch64 (arm64), i686, arm, ppc, ppc64, or nullopt.
std::optional<std::string_view> macho_arch_name(const MachOImage& image);

}  // namespace kcpp::abi
