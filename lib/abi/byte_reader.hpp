#pragma once
// Bounds-checked reads from an untrusted binary (ELF, Mach-O, CUDA fat binaries).
//
// Every read names the offset and the length it needs and fails with FormatError instead
// of touching memory outside the buffer; offset arithmetic goes through checked_add /
// checked_mul so a hostile header cannot wrap a 64-bit sum around to a small offset.
// Nothing here allocates in proportion to a count read from the file: callers bound loops
// by the bytes actually present (count * entry size must fit in the buffer).
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace kcpp::abi {

// A malformed or truncated object file. Carries the offset where reading failed.
class FormatError : public Error {
 public:
  FormatError(std::string what, std::uint64_t offset)
      : Error(ErrorKind::parse, what + " (at byte offset " + std::to_string(offset) + ")"), offset_(offset) {}
  std::uint64_t offset() const noexcept { return offset_; }

 private:
  std::uint64_t offset_;
};

// a + b, or FormatError when it overflows 64 bits.
inline std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, std::uint64_t at) {
  if (b > std::numeric_limits<std::uint64_t>::max() - a) throw FormatError("offset overflow", at);
  return a + b;
}
// a * b, or FormatError when it overflows 64 bits.
inline std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, std::uint64_t at) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) throw FormatError("size overflow", at);
  return a * b;
}

class ByteReader {
 public:
  ByteReader(std::string_view bytes, bool big_endian) : bytes_(bytes), big_(big_endian) {}

  std::uint64_t size() const noexcept { return bytes_.size(); }
  bool big_endian() const noexcept { return big_; }
  std::string_view bytes() const noexcept { return bytes_; }

  // Whether [offset, offset + length) lies inside the buffer (no overflow possible).
  bool fits(std::uint64_t offset, std::uint64_t length) const noexcept {
    return offset <= bytes_.size() && length <= bytes_.size() - offset;
  }
  // Throws FormatError naming WHAT when [offset, offset + length) is outside the buffer.
  void require(std::uint64_t offset, std::uint64_t length, const char* what) const {
    if (!fits(offset, length))
      throw FormatError(std::string(what) + " extends past the end of the file (" + std::to_string(length) +
                            " bytes needed, file has " + std::to_string(bytes_.size()) + ")",
                        offset);
  }

  std::uint8_t u8(std::uint64_t offset) const { return static_cast<std::uint8_t>(read(offset, 1)); }
  std::uint16_t u16(std::uint64_t offset) const { return static_cast<std::uint16_t>(read(offset, 2)); }
  std::uint32_t u32(std::uint64_t offset) const { return static_cast<std::uint32_t>(read(offset, 4)); }
  std::uint64_t u64(std::uint64_t offset) const { return read(offset, 8); }
  // A 32- or 64-bit word (ELF class-dependent fields).
  std::uint64_t word(std::uint64_t offset, bool is64) const { return is64 ? u64(offset) : u32(offset); }

  // The sub-range [offset, offset + length); throws when it does not fit.
  std::string_view slice(std::uint64_t offset, std::uint64_t length, const char* what) const {
    require(offset, length, what);
    return bytes_.substr(static_cast<std::size_t>(offset), static_cast<std::size_t>(length));
  }

  // NUL-terminated string starting at OFFSET inside TABLE (a string table slice). Throws
  // when OFFSET is outside the table or the string has no terminator inside it.
  static std::string_view cstring(std::string_view table, std::uint64_t offset, const char* what) {
    if (offset >= table.size()) throw FormatError(std::string(what) + ": string offset outside its table", offset);
    const auto rest = table.substr(static_cast<std::size_t>(offset));
    const auto end = rest.find('\0');
    if (end == std::string_view::npos) throw FormatError(std::string(what) + ": unterminated string", offset);
    return rest.substr(0, end);
  }

 private:
  std::uint64_t read(std::uint64_t offset, unsigned n) const {
    require(offset, n, "field");
    std::uint64_t v = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(bytes_.data()) + offset;
    for (unsigned i = 0; i < n; ++i) {
      const unsigned shift = big_ ? 8 * (n - 1 - i) : 8 * i;
      v |= static_cast<std::uint64_t>(p[i]) << shift;
    }
    return v;
  }

  std::string_view bytes_;
  bool big_;
};

}  // namespace kcpp::abi
