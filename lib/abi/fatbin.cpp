#include "abi/fatbin.hpp"

#include "abi/byte_reader.hpp"

namespace kcpp::abi {

namespace {

constexpr std::uint32_t kFatbinMagic = 0xBA55ED50;
constexpr std::uint64_t kContainerHeader = 16;
// Entry header fields read (offsets): 0 u16 kind, 2 u16 version, 4 u32 header size,
// 8 u64 payload size (padded), 28 u32 SM number, 40 u64 flags. Headers seen in the wild
// are 64, 80, 96 or 112 bytes; 48 is the least that holds the fields we read.
constexpr std::uint64_t kMinEntryHeader = 48;
// Flag bits observed in nvcc 12/13 output: 0x100000 marks "a" (architecture-specific)
// targets, 0x200000 "f" (family-specific) ones; 0x8000 a compressed payload.
constexpr std::uint64_t kFlagArchSpecific = 0x100000;
constexpr std::uint64_t kFlagFamilySpecific = 0x200000;

void parse_container(const ByteReader& r, std::uint64_t start, std::uint64_t& next, FatbinListing& out) {
  r.require(start, kContainerHeader, "fat binary header");
  const std::uint16_t header_size = r.u16(start + 6);
  const std::uint64_t fat_size = r.u64(start + 8);
  if (header_size < kContainerHeader)
    throw FormatError("fat binary header size " + std::to_string(header_size) + " is too small", start);
  const std::uint64_t first = checked_add(start, header_size, start);
  const std::uint64_t end = checked_add(first, fat_size, start);
  r.require(start, end - start, "fat binary container");
  ++out.containers;
  for (std::uint64_t e = first; e < end;) {
    if (end - e < kMinEntryHeader) throw FormatError("fat binary entry header is truncated", e);
    const std::uint16_t kind = r.u16(e);
    const std::uint32_t hsize = r.u32(e + 4);
    const std::uint64_t payload = r.u64(e + 8);
    if (hsize < kMinEntryHeader || hsize > end - e)
      throw FormatError("fat binary entry header size " + std::to_string(hsize) + " is invalid", e);
    const std::uint64_t after = checked_add(checked_add(e, hsize, e), payload, e);
    if (after > end) throw FormatError("fat binary entry payload extends past its container", e);
    FatbinEntry entry;
    entry.raw_kind = kind;
    entry.kind = kind == 1 ? FatbinEntry::Kind::ptx : kind == 2 ? FatbinEntry::Kind::cubin : FatbinEntry::Kind::other;
    entry.sm = r.u32(e + 28);
    entry.flags = r.u64(e + 40);
    entry.arch_specific = (entry.flags & kFlagArchSpecific) != 0;
    entry.family_specific = (entry.flags & kFlagFamilySpecific) != 0;
    out.entries.push_back(entry);
    e = after;
  }
  next = end;
}

}  // namespace

std::string FatbinEntry::target() const {
  std::string base = std::to_string(sm) + (arch_specific ? "a" : family_specific ? "f" : "");
  switch (kind) {
    case Kind::cubin:
      return "sm_" + base;
    case Kind::ptx:
      return "compute_" + base;
    case Kind::other:
      break;
  }
  return "kind" + std::to_string(raw_kind) + "_sm_" + base;
}

std::string FatbinEntry::cuobjdump_name() const {
  const std::string base = "sm_" + std::to_string(sm) + (arch_specific ? "a" : "");
  switch (kind) {
    case Kind::cubin: return base + ".cubin";
    case Kind::ptx: return base + ".ptx";
    case Kind::other: break;
  }
  return base + ".kind" + std::to_string(raw_kind);
}

void parse_fatbin_section(std::string_view section, FatbinListing& out) {
  const ByteReader r(section, false);  // fat binaries are little-endian on every CUDA host
  std::uint64_t p = 0;
  while (p < r.size()) {
    if (r.u8(p) == 0) {  // alignment padding between containers
      ++p;
      continue;
    }
    if (!r.fits(p, 4) || r.u32(p) != kFatbinMagic)
      throw FormatError("no fat binary header (magic 0xBA55ED50) where one was expected", p);
    std::uint64_t next = p;
    parse_container(r, p, next, out);
    p = next;
  }
}

FatbinListing list_gpu_targets(std::string_view file_bytes, const ElfImage& image) {
  FatbinListing out;
  for (const auto& s : image.sections) {
    if (s.name != ".nv_fatbin" && s.name != "__nv_relfatbin") continue;
    out.sections.emplace_back(s.name);
    parse_fatbin_section(section_bytes(file_bytes, s), out);
  }
  return out;
}

bool can_run(const FatbinEntry& entry, const ComputeCapability& cc) {
  const long long major = entry.sm / 10, minor = entry.sm % 10, device = cc.major * 10LL + cc.minor;
  const bool same_arch = cc.major == major && cc.minor == minor;
  const bool same_family_later = cc.major == major && cc.minor >= minor;
  switch (entry.kind) {
    case FatbinEntry::Kind::cubin:
      return entry.arch_specific ? same_arch : same_family_later;
    case FatbinEntry::Kind::ptx:
      if (entry.arch_specific) return same_arch;
      if (entry.family_specific) return same_family_later;
      return device >= static_cast<long long>(entry.sm);
    case FatbinEntry::Kind::other:
      break;
  }
  return false;
}

}  // namespace kcpp::abi
