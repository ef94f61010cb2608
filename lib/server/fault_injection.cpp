#include "server/fault_injection.hpp"

#include <cctype>
#include <charconv>

#include "core/error.hpp"

namespace kcpp::server {

namespace {
bool parse_long(std::string_view s, long& out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}
}  // namespace

FaultSpec parse_fault_spec(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return usage_error("invalid --inject spec '" + std::string(text) + "': " + why)
        .hint("the syntax is STATUS[xCOUNT][@ERROR_CODE][:PATH_PREFIX], e.g. 500x2:/api/kernels/");
  };
  FaultSpec spec;
  auto colon = text.find(':');
  auto head = text.substr(0, colon);
  if (colon != std::string_view::npos) {
    spec.path_prefix = std::string(text.substr(colon + 1));
    if (spec.path_prefix.empty() || spec.path_prefix.front() != '/') throw bad("the path prefix must start with '/'");
  }
  if (auto at = head.find('@'); at != std::string_view::npos) {
    spec.error_code = std::string(head.substr(at + 1));
    head = head.substr(0, at);
    if (spec.error_code.empty()) throw bad("ERROR_CODE after '@' is empty");
    for (char c : spec.error_code)
      if (!std::isalnum(static_cast<unsigned char>(c))) throw bad("ERROR_CODE must be letters and digits");
  }
  auto x = head.find('x');
  long status = 0;
  if (!parse_long(head.substr(0, x), status)) throw bad("STATUS must be a number");
  if (status < 400 || status > 599) throw bad("STATUS must be between 400 and 599");
  spec.status = static_cast<int>(status);
  if (x != std::string_view::npos) {
    long count = 0;
    if (!parse_long(head.substr(x + 1), count) || count < 1) throw bad("COUNT must be a positive number");
    spec.count = count;
  }
  return spec;
}

std::optional<FaultSpec> FaultInjector::take(std::string_view path, std::string_view decoded_path) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& spec : specs_) {
    if (spec.count && *spec.count <= 0) continue;
    bool match = spec.path_prefix.empty() || path.substr(0, spec.path_prefix.size()) == spec.path_prefix ||
                 decoded_path.substr(0, spec.path_prefix.size()) == spec.path_prefix;
    if (!match) continue;
    if (spec.count) --*spec.count;
    return spec;
  }
  return std::nullopt;
}

}  // namespace kcpp::server
