#pragma once
// kernel-abi-check's Version: dot-separated unsigned integers with trailing zeros removed
// ("2.10.0" == "2.10", "15.0" prints as "15"), ordered component-wise like a Rust Vec.
// Used for symbol versions (GLIBC_2.34 → 2.34), Python ABI versions, torch versions and
// macOS versions, so that comparisons and printed values match upstream's.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kcpp::abi {

class Version {
 public:
  Version() = default;
  // Normalises (drops trailing zeros).
  explicit Version(std::vector<std::uint64_t> parts);

  // Upstream's FromStr: trims whitespace; each dot-separated part must be a non-negative
  // integer (Rust usize::parse: digits, optional leading '+'). nullopt otherwise, with
  // upstream's message in *error ("Empty version string" /
  // "Version must consist of numbers: {s}").
  static std::optional<Version> parse(std::string_view text, std::string* error = nullptr);

  const std::vector<std::uint64_t>& parts() const noexcept { return parts_; }
  // "2.34"; the empty version (all zeros) prints as "".
  std::string str() const;

  auto operator<=>(const Version&) const = default;
  bool operator==(const Version&) const = default;

 private:
  std::vector<std::uint64_t> parts_;
};

// macOS LC_BUILD_VERSION encoding → Version (major = v >> 16, minor = (v >> 8) & 0xff,
// patch = v & 0xff).
Version macos_version_from_u32(std::uint32_t v);

}  // namespace kcpp::abi
