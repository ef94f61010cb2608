#pragma once
// Build-variant names (the directories under build/ in a kernel repo): the whole upstream
// grammar, parsed into values that format back to the same string.
//
//   torch{M}{m}[-cxx11|-cxx98]-{backend}-{cpu}-{os}   versioned torch arch variant
//   torch-stable-abi{M}{m}-{backend}-{cpu}-{os}       torch stable-ABI arch variant
//   tvm-ffi{M}{m}-{backend}-{cpu}-{os}                tvm-ffi arch variant
//   torch-{name}                                      noarch (any name, e.g. cuda, universal)
//   backend: cpu | metal | neuron | tpu | cu{M}{m} | rocm{M}{m} | xpu{M}{m} | cann{M}{m}
//
// Quirks kept from upstream (kernels/variants.py, backends.py): the torch major is one
// digit; backend versions split greedily so the minor is the last digit (cu1210 = 121.0);
// tvm-ffi splits lazily (tvm-ffi012 = 0.12); leading zeros are normalised (torch2010 = 2.10).
#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace kcpp::variant {

// A major.minor version as upstream compares them (packaging.Version truncated).
struct MajorMinor {
  long major = 0;
  long minor = 0;
  auto operator<=>(const MajorMinor&) const = default;
  std::string str() const;  // "2.10", "12.8"
};

enum class BackendKind { cpu, metal, neuron, tpu, cuda, rocm, xpu, cann };

struct Backend {
  BackendKind kind = BackendKind::cpu;
  MajorMinor version;  // only meaningful for cuda/rocm/xpu/cann
  bool operator==(const Backend&) const = default;

  bool versioned() const;
  std::string name() const;         // cuda, rocm, xpu, cann, cpu, metal, neuron, tpu
  std::string variant_str() const;  // cu128, rocm71, xpu20253, cann81, cpu, metal, …
};

// Throws kcpp::Error(parse) with upstream's message, e.g.
// "Unknown backend variant string: 'foo'" / "Invalid CUDA variant string: 'cuda'".
Backend parse_backend(std::string_view token);

enum class FrameworkKind { torch, torch_stable_abi, tvm_ffi };

struct ArchVariant {
  FrameworkKind framework = FrameworkKind::torch;
  MajorMinor framework_version;
  std::optional<bool> cxx11_abi;  // torch only: absent tag → nullopt
  Backend backend;
  std::string cpu;  // free string: x86_64, aarch64, …
  std::string os;   // free string: linux, darwin, windows, …
  bool operator==(const ArchVariant&) const = default;
};

struct NoarchVariant {
  std::string backend_name;  // everything after "torch-"
  bool operator==(const NoarchVariant&) const = default;
};

class Variant {
 public:
  Variant(ArchVariant a) : v_(std::move(a)) {}
  Variant(NoarchVariant n) : v_(std::move(n)) {}

  bool is_arch() const { return std::holds_alternative<ArchVariant>(v_); }
  const ArchVariant& arch() const { return std::get<ArchVariant>(v_); }
  const NoarchVariant& noarch() const { return std::get<NoarchVariant>(v_); }
  // Canonical name (upstream's variant_str); round-trips for canonical input.
  std::string str() const;
  bool operator==(const Variant&) const = default;

 private:
  std::variant<ArchVariant, NoarchVariant> v_;
};

// Parses a variant name; throws kcpp::Error(parse) with upstream's message
// ("Unknown framework in variant string: 'x'", "Invalid arch variant parts: ['a', 'b']", …).
Variant parse(std::string_view name);
// Same, but returns nullopt (and the message in *error if given) instead of throwing.
std::optional<Variant> try_parse(std::string_view name, std::string* error = nullptr);

}  // namespace kcpp::variant
