#include "variant/variant.hpp"

#include <fmt/format.h>

#include <vector>

#include "core/error.hpp"
#include "variant/python_text.hpp"

namespace kcpp::variant {

namespace {

[[noreturn]] void fail(std::string message) { throw Error(ErrorKind::parse, std::move(message)); }

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::vector<std::string> split_dash(std::string_view s) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t pos = s.find('-', start);
    if (pos == std::string_view::npos) {
      parts.emplace_back(s.substr(start));
      return parts;
    }
    parts.emplace_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string join_dash(const std::vector<std::string>& parts, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to && i < parts.size(); ++i) {
    if (i != from) out += '-';
    out += parts[i];
  }
  return out;
}

// The two `\d` groups of a version regex, as matched text.
struct DigitGroups {
  std::u32string first, second;
};

// Length (in code points) of the run of `\d` characters at the start of S.
std::size_t digit_run(std::u32string_view s) {
  std::size_t i = 0;
  while (i < s.size() && pytext::is_digit(s[i])) ++i;
  return i;
}

// `(\d)(\d+)` and `(\d+?)(\d+)` (fullmatch) both put exactly one digit in the first group.
DigitGroups split_first_digit(std::u32string_view digits) {
  return {std::u32string(digits.substr(0, 1)), std::u32string(digits.substr(1))};
}
// `(\d+)(\d+)` (greedy, fullmatch) puts exactly one digit in the second group.
DigitGroups split_last_digit(std::u32string_view digits) {
  return {std::u32string(digits.substr(0, digits.size() - 1)),
          std::u32string(digits.substr(digits.size() - 1))};
}

// packaging's Version(f"{g1}.{g2}") truncated to ints: leading zeros vanish; digits other
// than 0-9 make an InvalidVersion ("Invalid version: '…'"). Python ints never overflow;
// ours are longs, so an absurdly long number is reported as an invalid variant string
// (OVERFLOW_MESSAGE) instead.
MajorMinor make_version(const DigitGroups& g, const std::string& overflow_message) {
  auto ascii = [](const std::u32string& s) {
    for (char32_t c : s)
      if (c < U'0' || c > U'9') return false;
    return true;
  };
  if (!ascii(g.first) || !ascii(g.second)) {
    std::u32string text = g.first + U"." + g.second;
    fail("Invalid version: " + pytext::repr(pytext::encode_utf8(text)));
  }
  auto to_long = [&](const std::u32string& s) {
    std::size_t i = 0;
    while (i + 1 < s.size() && s[i] == U'0') ++i;
    if (s.size() - i > 18) fail(overflow_message);
    long v = 0;
    for (; i < s.size(); ++i) v = v * 10 + static_cast<long>(s[i] - U'0');
    return v;
  };
  return MajorMinor{to_long(g.first), to_long(g.second)};
}

// Backend regexes: `<prefix>(\d+)(\d+)` fullmatch.
MajorMinor parse_backend_version(std::string_view s, std::string_view prefix,
                                 const char* kind_label) {
  const std::string message = fmt::format("Invalid {} variant string: {}", kind_label, pytext::repr(s));
  std::u32string rest = pytext::decode_utf8(s.substr(prefix.size()));
  if (rest.size() < 2 || digit_run(rest) != rest.size()) fail(message);
  return make_version(split_last_digit(rest), message);
}

// Torch: `torch(\d)(\d+)(?:-(cxx11|cxx98))?` fullmatch.
void parse_torch(std::string_view s, ArchVariant& out) {
  const std::string message = "Invalid Torch variant string: " + pytext::repr(s);
  if (!starts_with(s, "torch")) fail(message);
  std::u32string rest = pytext::decode_utf8(s.substr(5));
  std::size_t n = digit_run(rest);
  if (n < 2) fail(message);
  std::u32string_view tail = std::u32string_view(rest).substr(n);
  std::optional<bool> abi;
  if (tail == U"-cxx11") {
    abi = true;
  } else if (tail == U"-cxx98") {
    abi = false;
  } else if (!tail.empty()) {
    fail(message);
  }
  out.framework = FrameworkKind::torch;
  out.framework_version = make_version(split_first_digit(std::u32string_view(rest).substr(0, n)), message);
  out.cxx11_abi = abi;
}

// Stable ABI: `torch-stable-abi(\d)(\d+)` fullmatch.
void parse_stable_abi(std::string_view s, ArchVariant& out) {
  const std::string message = "Invalid Torch stable ABI variant string: " + pytext::repr(s);
  constexpr std::string_view prefix = "torch-stable-abi";
  if (!starts_with(s, prefix)) fail(message);
  std::u32string rest = pytext::decode_utf8(s.substr(prefix.size()));
  if (rest.size() < 2 || digit_run(rest) != rest.size()) fail(message);
  out.framework = FrameworkKind::torch_stable_abi;
  out.framework_version = make_version(split_first_digit(rest), message);
}

// tvm-ffi: `tvm-ffi(\d+?)(\d+)` fullmatch (lazy: the major is one digit).
void parse_tvm_ffi(std::string_view s, ArchVariant& out) {
  const std::string message = "Invalid TvmFfi variant string: " + pytext::repr(s);
  constexpr std::string_view prefix = "tvm-ffi";
  if (!starts_with(s, prefix)) fail(message);
  std::u32string rest = pytext::decode_utf8(s.substr(prefix.size()));
  if (rest.size() < 2 || digit_run(rest) != rest.size()) fail(message);
  out.framework = FrameworkKind::tvm_ffi;
  out.framework_version = make_version(split_first_digit(rest), message);
}

// upstream Arch.parse: exactly <backend>-<cpu>-<os>.
void parse_arch(const std::vector<std::string>& parts, ArchVariant& out) {
  if (parts.size() != 3) fail("Invalid arch variant parts: " + pytext::list_repr(parts));
  out.backend = parse_backend(parts[0]);
  out.cpu = parts[1];
  out.os = parts[2];
}

std::vector<std::string> tail(const std::vector<std::string>& parts, std::size_t from) {
  if (from >= parts.size()) return {};
  return std::vector<std::string>(parts.begin() + static_cast<long>(from), parts.end());
}

}  // namespace

std::string MajorMinor::str() const { return fmt::format("{}.{}", major, minor); }

bool Backend::versioned() const {
  switch (kind) {
    case BackendKind::cuda:
    case BackendKind::rocm:
    case BackendKind::xpu:
    case BackendKind::cann:
      return true;
    default:
      return false;
  }
}

std::string Backend::name() const {
  switch (kind) {
    case BackendKind::cpu: return "cpu";
    case BackendKind::metal: return "metal";
    case BackendKind::neuron: return "neuron";
    case BackendKind::tpu: return "tpu";
    case BackendKind::cuda: return "cuda";
    case BackendKind::rocm: return "rocm";
    case BackendKind::xpu: return "xpu";
    case BackendKind::cann: return "cann";
  }
  return "cpu";
}

std::string Backend::variant_str() const {
  auto mm = [&](const char* prefix) { return fmt::format("{}{}{}", prefix, version.major, version.minor); };
  switch (kind) {
    case BackendKind::cuda: return mm("cu");
    case BackendKind::rocm: return mm("rocm");
    case BackendKind::xpu: return mm("xpu");
    case BackendKind::cann: return mm("cann");
    default: return name();
  }
}

// upstream parse_backend: exact names first, then the versioned prefixes in this order.
Backend parse_backend(std::string_view s) {
  if (s == "cpu") return Backend{BackendKind::cpu, {}};
  if (s == "metal") return Backend{BackendKind::metal, {}};
  if (s == "neuron") return Backend{BackendKind::neuron, {}};
  if (s == "tpu") return Backend{BackendKind::tpu, {}};
  if (starts_with(s, "cu")) return Backend{BackendKind::cuda, parse_backend_version(s, "cu", "CUDA")};
  if (starts_with(s, "rocm")) return Backend{BackendKind::rocm, parse_backend_version(s, "rocm", "ROCm")};
  if (starts_with(s, "xpu")) return Backend{BackendKind::xpu, parse_backend_version(s, "xpu", "XPU")};
  if (starts_with(s, "cann")) return Backend{BackendKind::cann, parse_backend_version(s, "cann", "CANN")};
  fail("Unknown backend variant string: " + pytext::repr(s));
}

std::string Variant::str() const {
  if (const auto* n = std::get_if<NoarchVariant>(&v_)) return "torch-" + n->backend_name;
  const ArchVariant& a = std::get<ArchVariant>(v_);
  std::string fw;
  const MajorMinor& v = a.framework_version;
  switch (a.framework) {
    case FrameworkKind::torch:
      fw = fmt::format("torch{}{}", v.major, v.minor);
      if (a.cxx11_abi) fw += *a.cxx11_abi ? "-cxx11" : "-cxx98";
      break;
    case FrameworkKind::torch_stable_abi:
      fw = fmt::format("torch-stable-abi{}{}", v.major, v.minor);
      break;
    case FrameworkKind::tvm_ffi:
      fw = fmt::format("tvm-ffi{}{}", v.major, v.minor);
      break;
  }
  return fw + "-" + a.backend.variant_str() + "-" + a.cpu + "-" + a.os;
}

// upstream parse_variant, branch for branch. The framework is parsed before the arch
// parts (Python evaluates the keyword arguments in order), so framework errors win.
Variant parse(std::string_view name) {
  const std::vector<std::string> parts = split_dash(name);
  if (starts_with(name, "torch-stable-abi")) {
    ArchVariant a;
    parse_stable_abi(join_dash(parts, 0, 3), a);
    parse_arch(tail(parts, 3), a);
    return Variant(std::move(a));
  }
  if (parts[0] == "torch") return Variant(NoarchVariant{join_dash(parts, 1, parts.size())});
  if (starts_with(parts[0], "torch")) {
    ArchVariant a;
    if (parts.size() >= 2 && (parts[1] == "cxx11" || parts[1] == "cxx98")) {
      parse_torch(parts[0] + "-" + parts[1], a);
      parse_arch(tail(parts, 2), a);
    } else {
      parse_torch(parts[0], a);
      parse_arch(tail(parts, 1), a);
    }
    return Variant(std::move(a));
  }
  if (parts[0] == "tvm" && parts.size() >= 2 && starts_with(parts[1], "ffi")) {
    ArchVariant a;
    parse_tvm_ffi("tvm-" + parts[1], a);
    parse_arch(tail(parts, 2), a);
    return Variant(std::move(a));
  }
  fail("Unknown framework in variant string: " + pytext::repr(name));
}

std::optional<Variant> try_parse(std::string_view name, std::string* error) {
  try {
    return parse(name);
  } catch (const Error& e) {
    if (error) *error = e.what();
    return std::nullopt;
  }
}

}  // namespace kcpp::variant
