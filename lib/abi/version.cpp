#include "abi/version.hpp"

#include <limits>

namespace kcpp::abi {

Version::Version(std::vector<std::uint64_t> parts) : parts_(std::move(parts)) {
  while (!parts_.empty() && parts_.back() == 0) parts_.pop_back();
}

std::optional<Version> Version::parse(std::string_view text, std::string* error) {
  auto fail = [&](std::string message) -> std::optional<Version> {
    if (error) *error = std::move(message);
    return std::nullopt;
  };
  const auto ws = " \t\r\n\v\f";
  const auto b = text.find_first_not_of(ws);
  const auto e = text.find_last_not_of(ws);
  const std::string_view s = b == std::string_view::npos ? std::string_view() : text.substr(b, e - b + 1);
  if (s.empty()) return fail("Empty version string");
  std::vector<std::uint64_t> parts;
  std::size_t start = 0;
  while (true) {
    const auto dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!part.empty() && part.front() == '+') part.remove_prefix(1);  // Rust's usize::parse accepts "+1"
    if (part.empty()) return fail("Version must consist of numbers: " + std::string(s));
    std::uint64_t v = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return fail("Version must consist of numbers: " + std::string(s));
      const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
      if (v > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
        return fail("Version must consist of numbers: " + std::string(s));
      v = v * 10 + digit;
    }
    parts.push_back(v);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return Version(std::move(parts));
}

std::string Version::str() const {
  std::string out;
  for (std::size_t i = 0; i < parts_.size(); ++i) out += (i ? "." : "") + std::to_string(parts_[i]);
  return out;
}

Version macos_version_from_u32(std::uint32_t v) { return Version({v >> 16, (v >> 8) & 0xff, v & 0xff}); }

}  // namespace kcpp::abi
