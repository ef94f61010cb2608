#include "abi/rules.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "core/error.hpp"

namespace kcpp::abi {

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Reported lists stop growing here: a crafted file can name millions of symbols, and no
// reader needs more than this many lines about one file.
constexpr std::size_t kMaxReported = 1000;

template <class Set, class Item>
void add_capped(Set& set, Item&& item) {
  if (set.size() < kMaxReported) set.insert(std::forward<Item>(item));
}

// Each distinct name is checked once (a crafted table may repeat one long name).
class SeenNames {
 public:
  bool first(std::string_view name) { return seen_.insert(name).second; }

 private:
  std::unordered_set<std::string_view> seen_;
};

// Mach-O C symbols carry one leading '_' (upstream strips exactly one).
std::string_view c_name(const ObjectFile& obj, std::string_view name) {
  if (obj.format == ObjectFormat::macho && starts_with(name, "_")) name.remove_prefix(1);
  return name;
}

// "libcudart.so.13" → "libcudart"; "libfoo.so" → "libfoo"; names without ".so" as they are.
std::string_view library_stem(std::string_view lib) {
  for (std::size_t at = lib.find(".so"); at != std::string_view::npos; at = lib.find(".so", at + 1))
    if (at + 3 == lib.size() || lib[at + 3] == '.') return lib.substr(0, at);
  return lib;
}

struct RuntimeFamily {
  const char* reason;
  std::vector<std::string_view> exact;     // stems
  std::vector<std::string_view> prefixes;  // stem prefixes
};

// Libraries a torch (or tvm-ffi) extension links against that the framework's own wheels
// provide at run time, so they are not bundled and need not be on the manylinux whitelist.
const std::vector<RuntimeFamily>& runtime_families() {
  static const std::vector<RuntimeFamily> families = {
      {"torch",
       {"libc10", "libc10_cuda", "libc10_hip", "libc10_xpu", "libtorch", "libtorch_cpu", "libtorch_cuda",
        "libtorch_cuda_linalg", "libtorch_hip", "libtorch_xpu", "libtorch_python", "libshm", "libtorch_global_deps",
        "libgomp"},
       {}},
      {"cuda",
       {"libcuda", "libcudart", "libcublas", "libcublasLt", "libcufft", "libcufftw", "libcurand", "libcusparse",
        "libcusparseLt", "libcusolver", "libnvrtc", "libnvJitLink", "libnvToolsExt", "libnvtx3interop", "libnccl",
        "libcupti", "libcufile"},
       {"libcudnn", "libnvshmem", "libnvrtc-builtins"}},
      {"rocm",
       {"libamdhip64", "libhiprtc", "libhipblas", "libhipblaslt", "librocblas", "libMIOpen", "librccl", "libhipsparse",
        "libhipfft", "librocrand", "libhiprand", "libroctx64", "libroctracer64"},
       {}},
      {"xpu", {"libsycl", "libze_loader", "libOpenCL"}, {}},
      {"tvm-ffi", {"libtvm_ffi"}, {}},
  };
  return families;
}

}  // namespace

const std::map<std::string, AllowedVersions>& policy_for_arch(const ManylinuxPolicy& policy, std::string_view arch) {
  auto it = policy.symbol_versions.find(std::string(arch));
  if (it == policy.symbol_versions.end())
    throw Error(ErrorKind::failure, "Cannot find arch `" + std::string(arch) + "` for: " + policy.name + "`")
        .hint("policies that cover " + std::string(arch) + " start at manylinux_2_17; pass --manylinux");
  return it->second;
}

ManylinuxResult check_manylinux(const std::map<std::string, AllowedVersions>& allowed, const ObjectFile& obj) {
  ManylinuxResult out;
  for (const auto& sym : obj.imports) {
    const std::string_view tag = sym.version;
    const auto us = tag.find('_');
    if (tag.empty() || us == std::string_view::npos) continue;  // unversioned, or "libcudart.so.12"
    const std::string dep(tag.substr(0, us));
    const std::string_view rest = tag.substr(us + 1);
    const std::string_view piece = rest.substr(0, rest.find('_'));  // upstream: split('_').nth(1)
    auto it = allowed.find(dep);
    std::string why;
    auto version = Version::parse(piece, &why);
    if (!version) {
      UnparsedVersion u{std::string(sym.name), std::string(tag), why, it != allowed.end(), false};
      if (u.dep_in_policy) {
        auto full = Version::parse(rest);
        u.allowed_raw = it->second.raw.count(std::string(rest)) > 0 || (full && it->second.numeric.count(*full));
      }
      if (out.unparsed.size() < kMaxReported) out.unparsed.push_back(std::move(u));
      continue;
    }
    if (it != allowed.end() && !it->second.numeric.count(*version))
      add_capped(out.violations, ManylinuxViolation{std::string(sym.name), dep, version->str()});
  }
  return out;
}

std::map<std::string, RequiredVersion> highest_required_versions(const ObjectFile& obj) {
  std::map<std::string, RequiredVersion> out;
  if (!obj.elf) return out;
  std::unordered_map<std::string_view, std::string_view> first_user;  // tag → first importing symbol
  for (const auto& sym : obj.imports)
    if (!sym.version.empty()) first_user.emplace(sym.version, sym.name);
  for (const auto& need : obj.elf->version_needs) {
    for (auto tag : need.versions) {
      const auto us = tag.find('_');
      if (us == std::string_view::npos) continue;
      auto v = Version::parse(tag.substr(us + 1));
      if (!v) continue;
      const std::string dep(tag.substr(0, us));
      auto it = out.find(dep);
      if (it != out.end() && !(it->second.version < *v)) continue;
      RequiredVersion r{*v, std::string(tag), {}};
      if (auto user = first_user.find(tag); user != first_user.end()) r.symbol = std::string(user->second);
      out[dep] = std::move(r);
    }
  }
  return out;
}

std::set<BlacklistViolation> check_blacklist(const ManylinuxPolicy& policy, const ObjectFile& obj) {
  std::set<BlacklistViolation> out;
  for (const auto& sym : obj.imports) {
    if (sym.version_file.empty()) continue;
    auto it = policy.blacklist.find(std::string(sym.version_file));
    if (it != policy.blacklist.end() && it->second.count(std::string(sym.name)))
      add_capped(out, BlacklistViolation{it->first, std::string(sym.name)});
  }
  return out;
}

std::optional<std::string> allowed_library_reason(const ManylinuxPolicy& policy, std::string_view library) {
  if (std::find(policy.lib_whitelist.begin(), policy.lib_whitelist.end(), library) != policy.lib_whitelist.end())
    return "manylinux";
  // The ELF interpreter (ld-linux-x86-64.so.2, ld-linux-aarch64.so.1, ld64.so.2, …) is
  // always loaded; libraries using TLS need it for __tls_get_addr. auditwheel accepts it.
  if (starts_with(library, "ld-linux") || starts_with(library, "ld64.so.")) return "loader";
  const std::string_view stem = library_stem(library);
  for (const auto& family : runtime_families()) {
    if (std::find(family.exact.begin(), family.exact.end(), stem) != family.exact.end()) return family.reason;
    for (auto p : family.prefixes)
      if (starts_with(stem, p)) return family.reason;
  }
  return std::nullopt;
}

std::vector<NeededViolation> check_needed(const ManylinuxPolicy& policy, const ObjectFile& obj) {
  std::vector<NeededViolation> out;
  if (obj.format != ObjectFormat::elf) return out;
  for (auto lib : obj.needed) {
    const bool python = starts_with(library_stem(lib), "libpython");
    if ((python || !allowed_library_reason(policy, lib)) && out.size() < kMaxReported)
      out.push_back({std::string(lib), python});
  }
  return out;
}

std::set<PythonAbiViolation> check_python_abi(const Version& python_abi, const ObjectFile& obj) {
  std::set<PythonAbiViolation> out;
  const auto& table = python_stable_abi();
  SeenNames seen;
  for (const auto& sym : obj.imports) {
    if (!seen.first(sym.name)) continue;
    const std::string name(c_name(obj, sym.name));
    auto it = table.find(name);
    if (it != table.end()) {
      if (python_abi < it->second.added)
        add_capped(out, PythonAbiViolation{PythonAbiViolation::Kind::incompatible, name, it->second.added});
    } else if (starts_with(name, "Py") || starts_with(name, "_Py")) {
      add_capped(out, PythonAbiViolation{PythonAbiViolation::Kind::non_abi3, name, {}});
    }
  }
  return out;
}

std::optional<std::string> demangle(std::string_view mangled) {
  // Real template-heavy names reach tens of KiB; beyond this a name is not worth the risk
  // of handing it to a recursive demangler.
  constexpr std::size_t kMaxMangled = 64 * 1024;
  if (!starts_with(mangled, "_Z") || mangled.size() > kMaxMangled) return std::nullopt;
  const std::string name(mangled);
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(::abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), std::free);
  if (status != 0 || !out) return std::nullopt;
  return std::string(out.get());
}

std::set<TorchAbiViolation> check_torch_stable_abi(const Version& torch_abi, const ObjectFile& obj) {
  std::set<TorchAbiViolation> out;
  const auto& shims = torch_shim_versions();
  SeenNames seen;
  for (const auto& sym : obj.imports) {
    if (!seen.first(sym.name)) continue;
    const std::string_view name = c_name(obj, sym.name);
    auto it = shims.find(std::string(name));
    if (it != shims.end()) {
      if (torch_abi < it->second)
        add_capped(out, TorchAbiViolation{TorchAbiViolation::Kind::incompatible, std::string(name), it->second});
      continue;
    }
    auto d = demangle(name);
    if (!d || starts_with(*d, "torch::stable::")) continue;
    if (starts_with(*d, "c10::") || starts_with(*d, "at::") || starts_with(*d, "torch::"))
      add_capped(out, TorchAbiViolation{TorchAbiViolation::Kind::non_stable, *d, {}});
  }
  return out;
}

std::optional<MacosViolation> check_macos(const Version& macos, const ObjectFile& obj) {
  if (obj.format != ObjectFormat::macho || !obj.macho || !obj.macho->is64) return std::nullopt;
  if (!obj.macho->build_version_minos) return MacosViolation{true, {}};
  Version minos = macos_version_from_u32(*obj.macho->build_version_minos);
  if (macos < minos) return MacosViolation{false, minos};
  return std::nullopt;
}

}  // namespace kcpp::abi
