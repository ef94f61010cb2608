#pragma once
// CUDA fat binaries embedded in a shared object: which GPU code it carries (cubins per SM
// architecture, PTX per virtual architecture) and whether a GPU of a given compute
// capability can run any of it. Beyond upstream, which does not look at device code.
//
// Layout (nvcc/nvlink output, as cuobjdump reads it; see fatbin.cpp for the fields): the
// section `.nv_fatbin` (`__nv_relfatbin` in relocatable objects) holds one or more
// containers, each a 16-byte header (magic 0xBA55ED50, version 1, header size, payload
// size) followed by entries: a header (kind 1 = PTX, 2 = ELF cubin; SM number; flags)
// and its payload. Payloads (often zstd-compressed) are never read, only headers.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "abi/elf.hpp"

namespace kcpp::abi {

struct FatbinEntry {
  enum class Kind { ptx, cubin, other };
  Kind kind = Kind::other;
  std::uint16_t raw_kind = 0;
  std::uint32_t sm = 0;          // 80, 90, 100, 120
  bool arch_specific = false;    // "a" targets (sm_90a): exactly this architecture
  bool family_specific = false;  // "f" targets (sm_100f): this family, same or later minor
  std::uint64_t flags = 0;
  // nvcc's spelling: "sm_90a" / "sm_100f" for cubins, "compute_90" for PTX, "kind7_sm_90"
  // for other kinds.
  std::string target() const;
  // The suffix of cuobjdump's file name for the entry ("sm_90a.cubin", "sm_90.ptx"):
  // cuobjdump keeps "a" but drops "f" (checked against CUDA 13.0's cuobjdump on an H100
  // host: identical entries, in the same order, for nvcc fixtures and libtorch_cuda.so).
  std::string cuobjdump_name() const;
};

struct FatbinListing {
  std::vector<FatbinEntry> entries;  // in file order, every container
  std::size_t containers = 0;
  std::vector<std::string> sections;  // sections read (".nv_fatbin")
};

// Parses the containers in one section's bytes. Throws FormatError when a container or
// entry header is malformed or runs past the section (zero padding between containers is
// skipped).
void parse_fatbin_section(std::string_view section, FatbinListing& out);

// Every fat binary section of an ELF shared object (empty listing when there is none).
FatbinListing list_gpu_targets(std::string_view file_bytes, const ElfImage& image);

struct ComputeCapability {
  int major = 0, minor = 0;
  std::string str() const { return std::to_string(major) + "." + std::to_string(minor); }
};

// Whether a GPU of capability CC can load ENTRY: a cubin sm_XY runs on X.m with m >= Y
// ("a" cubins only on exactly X.Y, "f" cubins on the family X with m >= Y); PTX
// compute_XY is JIT-compiled for any capability >= X.Y ("a" PTX only for X.Y, "f" PTX for
// the family). The driver must also support the PTX ISA version, which is not checked.
bool can_run(const FatbinEntry& entry, const ComputeCapability& cc);

}  // namespace kcpp::abi
