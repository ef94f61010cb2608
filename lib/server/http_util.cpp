#include "server/http_util.hpp"

#include <charconv>
#include <ctime>

#include "core/error.hpp"

namespace kcpp::server::http {

namespace {
bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}
}  // namespace

std::string_view target_path(std::string_view target) {
  auto q = target.find_first_of("?#");
  return q == std::string_view::npos ? target : target.substr(0, q);
}

std::vector<std::string> split_path(std::string_view encoded_path) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= encoded_path.size()) {
    auto slash = encoded_path.find('/', pos);
    if (slash == std::string_view::npos) slash = encoded_path.size();
    auto seg = encoded_path.substr(pos, slash - pos);
    if (!seg.empty()) out.push_back(percent_decode(seg));
    pos = slash + 1;
  }
  return out;
}

RangeDecision decide_range(std::string_view header, std::uint64_t size) {
  RangeDecision full;
  constexpr std::string_view unit = "bytes=";
  if (header.substr(0, unit.size()) != unit) return full;
  auto spec = header.substr(unit.size());
  if (spec.find(',') != std::string_view::npos) return full;  // multi-range: send everything
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return full;
  auto a = spec.substr(0, dash), b = spec.substr(dash + 1);
  RangeDecision out;
  out.kind = RangeDecision::Kind::partial;
  std::uint64_t first = 0, last = 0;
  if (a.empty()) {  // suffix: the last N bytes
    std::uint64_t n = 0;
    if (!parse_u64(b, n)) return full;
    if (n == 0 || size == 0) return {RangeDecision::Kind::unsatisfiable, {}};
    first = n >= size ? 0 : size - n;
    last = size - 1;
  } else {
    if (!parse_u64(a, first)) return full;
    if (b.empty()) {
      last = size == 0 ? 0 : size - 1;
    } else {
      if (!parse_u64(b, last) || last < first) return full;
      if (size > 0 && last >= size) last = size - 1;
    }
    if (first >= size) return {RangeDecision::Kind::unsatisfiable, {}};
  }
  out.range = {first, last};
  return out;
}

std::string iso8601_utc(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return buf;
}

std::optional<bool> parse_flag(std::string_view v) {
  if (v == "1" || v == "true" || v == "True" || v == "yes") return true;
  if (v == "0" || v == "false" || v == "False" || v == "no" || v.empty()) return false;
  return std::nullopt;
}

std::string header_safe(std::string_view value) {
  std::string out(value);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

}  // namespace kcpp::server::http
