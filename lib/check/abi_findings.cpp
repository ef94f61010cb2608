#include "check/abi_findings.hpp"
#include "core/strings.hpp"

#include <fmt/core.h>

#include <optional>
#include <set>

namespace kcpp::check {

namespace {

Finding make(const AbiContext& ctx, std::string_view rule, const std::string& file, std::string message,
             std::string hint, Severity s = Severity::error) {
  Finding f;
  f.severity = s;
  f.rule = std::string(rule);
  f.variant = ctx.variant;
  f.file = file;
  f.message = std::move(message);
  f.hint = std::move(hint);
  return f;
}

// A CUDA arch of metadata.json backend.archs, `(\d+)\.(\d+)([af]?)(\+PTX)?`: "9.0a+PTX" →
// sm "90a", ptx. By hand: std::regex recursed once per character, so a long arch string
// in a downloaded metadata.json overflowed the stack.
struct CudaArch {
  std::string sm;
  bool ptx = false;
};
std::optional<CudaArch> parse_cuda_arch(std::string_view a) {
  auto digits = [&](std::size_t i) {
    while (i < a.size() && a[i] >= '0' && a[i] <= '9') ++i;
    return i;
  };
  std::size_t major_end = digits(0);
  if (major_end == 0 || major_end >= a.size() || a[major_end] != '.') return std::nullopt;
  std::size_t minor_end = digits(major_end + 1);
  if (minor_end == major_end + 1) return std::nullopt;
  CudaArch out;
  out.sm = std::string(a.substr(0, major_end)) + std::string(a.substr(major_end + 1, minor_end - major_end - 1));
  std::string_view rest = a.substr(minor_end);
  if (!rest.empty() && (rest.front() == 'a' || rest.front() == 'f')) {
    out.sm += rest.front();
    rest.remove_prefix(1);
  }
  if (rest == "+PTX") {
    out.ptx = true;
  } else if (!rest.empty()) {
    return std::nullopt;
  }
  return out;
}

void format_findings(const AbiContext& ctx, const std::string& file, const abi::LibraryAnalysis& a,
                     std::vector<Finding>& out) {
  if (!ctx.parsed || !ctx.parsed->is_arch()) return;
  const auto& arch = ctx.parsed->arch();
  const char* expected_format = arch.os == "linux"     ? "ELF"
                                : arch.os == "darwin"  ? "Mach-O"
                                : arch.os == "windows" ? "PE/COFF"
                                                       : nullptr;
  const bool format_ok =
      (arch.os == "linux" && a.format == abi::ObjectFormat::elf) ||
      (arch.os == "darwin" && (a.format == abi::ObjectFormat::macho || a.format == abi::ObjectFormat::macho_fat)) ||
      (arch.os == "windows" && a.format == abi::ObjectFormat::pe) || !expected_format;
  if (!format_ok) {
    out.push_back(make(
        ctx, rule::arch, file,
        fmt::format("{} binary in a {} variant (expected {})", abi::format_name(a.format), arch.os, expected_format),
        "the file was built for another operating system; rebuild it for this variant"));
    return;
  }
  if (a.arch && *a.arch != arch.cpu)
    out.push_back(make(ctx, rule::arch, file, fmt::format("{} binary in a {} variant", *a.arch, arch.cpu),
                       "the file was built for another CPU; rebuild it for " + arch.cpu));
}

void manylinux_findings(const AbiContext& ctx, const std::string& file, const abi::LibraryAnalysis& a,
                        std::vector<Finding>& out) {
  const std::string& policy = ctx.policy->name;
  const std::string rebuild = fmt::format(
      "build in the {} image (or against an older glibc/libstdc++) so the symbol binds to an older version, or "
      "check against the policy you target with --manylinux",
      policy);
  if (a.manylinux_error) {
    out.push_back(make(ctx, rule::manylinux, file, *a.manylinux_error,
                       "the manylinux policy has no rules for this architecture; pass a --manylinux policy that does"));
    return;
  }
  const auto* allowed = a.arch ? &abi::policy_for_arch(*ctx.policy, *a.arch) : nullptr;
  for (const auto& v : a.manylinux.violations) {
    std::string limit;
    if (allowed) {
      auto it = allowed->find(v.dep);
      if (it != allowed->end()) {
        const auto highest = it->second.highest();
        auto version = abi::Version::parse(v.version);
        limit = highest.parts().empty() ? fmt::format("; {} allows no {} version", policy, v.dep)
                : version && highest < *version
                    ? fmt::format(", newer than {} allows ({} ≤ {})", policy, v.dep, highest.str())
                    : fmt::format(", a version {} does not list", policy);
      }
    }
    Finding f =
        make(ctx, rule::manylinux, file, fmt::format("`{}` needs {}_{}{}", v.name, v.dep, v.version, limit), rebuild);
    f.symbol = v.name;
    out.push_back(std::move(f));
  }
  for (const auto& u : a.manylinux.unparsed) {
    if (u.dep_in_policy && u.allowed_raw) continue;
    Finding f = u.dep_in_policy
                    ? make(ctx, rule::manylinux, file,
                           fmt::format("`{}` needs {}, which {} does not allow", u.name, u.tag, policy), rebuild)
                    : make(ctx, rule::manylinux, file,
                           fmt::format("upstream `kernel-builder check-abi` cannot read the version tag {} of `{}` "
                                       "and fails this file ({})",
                                       u.tag, u.name, u.upstream_error),
                           "kernels check accepts it; only upstream's checker trips over it", Severity::warning);
    f.symbol = u.name;
    out.push_back(std::move(f));
  }
  for (const auto& b : a.blacklist) {
    Finding f =
        make(ctx, rule::manylinux, file, fmt::format("`{}` of {} is blacklisted by {}", b.symbol, b.library, policy),
             "auditwheel forbids this symbol (it is not reliably available); avoid calling it");
    f.symbol = b.symbol;
    f.library = b.library;
    out.push_back(std::move(f));
  }
  for (const auto& n : a.needed_violations) {
    Finding f =
        n.is_python
            ? make(ctx, rule::needed_library, file,
                   fmt::format("links {}; Python extensions must not link libpython", n.library),
                   "drop -lpython: the interpreter that imports the kernel provides the Python symbols")
            : make(ctx, rule::needed_library, file,
                   fmt::format("needs {}, which is neither a system library {} allows nor a torch/CUDA/ROCm/"
                               "XPU runtime library",
                               n.library, policy),
                   fmt::format("link it statically, or ship it with the kernel and load it by path; {} allows: {}",
                               policy, strings::join(ctx.policy->lib_whitelist, ", ")));
    f.library = n.library;
    out.push_back(std::move(f));
  }
}

void symbol_findings(const AbiContext& ctx, const std::string& file, const abi::LibraryAnalysis& a,
                     std::vector<Finding>& out) {
  const std::string py = ctx.options->python_abi.str();
  for (const auto& v : a.python) {
    Finding f =
        v.kind == abi::PythonAbiViolation::Kind::incompatible
            ? make(ctx, rule::python_abi, file,
                   fmt::format("`{}` joined the Python stable ABI in {}, after the minimum Python {}", v.name,
                               v.added.str(), py),
                   fmt::format("avoid it, or declare Python {}+ as the minimum (--python-abi {})", v.added.str(),
                               v.added.str()))
            : make(ctx, rule::python_abi, file, fmt::format("`{}` is not part of the Python stable ABI (abi3)", v.name),
                   "build with Py_LIMITED_API and use only the limited C API; CPython internals break "
                   "across Python versions");
    f.symbol = v.name;
    out.push_back(std::move(f));
  }
  if (a.torch_checked) {
    const std::string torch = ctx.options->torch_stable_abi ? ctx.options->torch_stable_abi->str() : "";
    for (const auto& v : a.torch) {
      Finding f = v.kind == abi::TorchAbiViolation::Kind::incompatible
                      ? make(ctx, rule::torch_stable_abi, file,
                             fmt::format("`{}` (torch C shim) appeared in torch {}, newer than the variant's stable "
                                         "ABI {}",
                                         v.name, v.added.str(), torch),
                             "name the variant after the oldest torch whose shim has every function it calls")
                      : make(ctx, rule::torch_stable_abi, file,
                             fmt::format("`{}` is a torch C++ symbol outside the stable ABI", v.name),
                             "use torch/csrc/stable (torch::stable::…) and the C shim instead of c10::, at:: and "
                             "torch:: C++ APIs, or publish a torch{MM}-… variant instead");
      f.symbol = v.name;
      out.push_back(std::move(f));
    }
  }
  if (a.macos) {
    const std::string allowed = ctx.options->macos.str();
    out.push_back(a.macos->missing
                      ? make(ctx, rule::macos, file, "shared library does not contain minimum macOS version",
                             "link with -mmacosx-version-min (LC_BUILD_VERSION) so the loader knows the minimum")
                      : make(ctx, rule::macos, file,
                             fmt::format("shared library requires macOS version {}, which is newer than {}",
                                         a.macos->required.str(), allowed),
                             "build with a lower deployment target (MACOSX_DEPLOYMENT_TARGET), or pass --macos"));
  }
}

}  // namespace

bool is_cuda_variant(const std::optional<variant::Variant>& parsed) {
  if (!parsed) return false;
  if (parsed->is_arch()) return parsed->arch().backend.kind == variant::BackendKind::cuda;
  return parsed->noarch().backend_name == "cuda";
}

void library_findings(const AbiContext& ctx, const std::string& file, const abi::LibraryAnalysis& a,
                      std::vector<Finding>& out) {
  if (a.parse_error) {
    out.push_back(make(ctx, rule::object_format, file,
                       fmt::format("cannot read this {} file: {}", abi::format_name(a.format), *a.parse_error),
                       "the file is truncated or corrupt; rebuild it or upload it again"));
    return;
  }
  switch (a.format) {
    case abi::ObjectFormat::elf:
    case abi::ObjectFormat::macho:
      break;
    case abi::ObjectFormat::pe:
      out.push_back(make(ctx, rule::object_format, file, "PE/COFF (Windows) binaries are not checked",
                         "kernels check reads ELF and Mach-O only", Severity::note));
      return;
    case abi::ObjectFormat::macho_fat:
      out.push_back(make(ctx, rule::object_format, file, "universal (fat) Mach-O binaries are not checked",
                         "ship one thin binary per variant (arm64 for *-aarch64-darwin)", Severity::warning));
      return;
    case abi::ObjectFormat::unknown:
      out.push_back(make(ctx, rule::object_format, file, "not a shared object (no ELF or Mach-O header)",
                         "a *.so file in a variant must be a shared library; rename or remove it"));
      return;
  }
  format_findings(ctx, file, a, out);
  if (a.format == abi::ObjectFormat::elf) manylinux_findings(ctx, file, a, out);
  symbol_findings(ctx, file, a, out);
  if (a.gpu_error)
    out.push_back(make(ctx, rule::gpu_archs, file, "malformed CUDA fat binary: " + *a.gpu_error,
                       "the device code cannot be listed; the CUDA driver may fail to load it too", Severity::warning));
}

void gpu_findings(const AbiContext& ctx, const MetadataFacts* meta, const abi::CudaProbe& probe,
                  std::vector<LibraryReport>& libraries, std::vector<Finding>& out) {
  if (!is_cuda_variant(ctx.parsed)) return;
  std::set<std::string> cubins, ptx, all;
  for (const auto& lib : libraries)
    for (const auto& e : lib.analysis.gpu.entries) {
      (e.kind == abi::FatbinEntry::Kind::ptx ? ptx : cubins).insert(e.target());
      all.insert(e.target());
    }
  if (all.empty()) return;
  if (meta && meta->archs) {
    std::set<std::string> declared;
    for (const auto& a : *meta->archs) {
      const auto arch = parse_cuda_arch(a);
      if (!arch) continue;  // ROCm gfx names and the like
      const std::string& sm = arch->sm;
      declared.insert("sm_" + sm);
      if (!cubins.count("sm_" + sm))
        out.push_back(
            make(ctx, rule::gpu_archs, "",
                 fmt::format("metadata.json declares CUDA arch {} but no shared object has an sm_{} cubin", a, sm),
                 "the build dropped this architecture; check cuda-capabilities in build.toml", Severity::warning));
      if (arch->ptx && !ptx.count("compute_" + sm))
        out.push_back(make(ctx, rule::gpu_archs, "",
                           fmt::format("metadata.json declares {} but no shared object has compute_{} PTX", a, sm),
                           "the build dropped the PTX fallback", Severity::warning));
    }
    for (const auto& c : cubins)
      if (!declared.count(c))
        out.push_back(make(ctx, rule::gpu_archs, "",
                           fmt::format("{} cubin present but not declared in metadata.json backend.archs", c),
                           "backend.archs should list every architecture the variant carries code for",
                           Severity::warning));
  }
  for (const auto& dev : probe.devices) {
    bool any = false;
    for (auto& lib : libraries) {
      if (lib.analysis.gpu.entries.empty()) continue;
      std::string runs;
      for (const auto& e : lib.analysis.gpu.entries)
        if (abi::can_run(e, dev.capability) && (runs.empty() || e.kind == abi::FatbinEntry::Kind::cubin)) {
          runs = e.target();
          if (e.kind == abi::FatbinEntry::Kind::cubin) break;  // prefer native code over JIT
        }
      any = any || !runs.empty();
      lib.gpu_runs.emplace_back(dev, runs);
    }
    if (!any)
      out.push_back(make(
          ctx, rule::gpu_device, "",
          fmt::format("this machine's GPU {} ({}, compute capability {}) cannot run any of: {}", dev.index, dev.name,
                      dev.capability.str(), strings::join(std::vector<std::string>(all.begin(), all.end()), ", ")),
          fmt::format("use a variant built for compute capability {}, or add it to cuda-capabilities",
                      dev.capability.str()),
          Severity::warning));
  }
}

}  // namespace kcpp::check
