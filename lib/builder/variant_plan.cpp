#include "builder/variant_plan.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>

namespace kcpp::builder {

namespace {

DottedVersion from_major_minor(variant::MajorMinor v) {
  return *parse_dotted_version(fmt::format("{}.{}", v.major, v.minor));
}

std::string two_digits(const DottedVersion& v) {
  auto part = [&](std::size_t i) { return i < v.parts.size() ? v.parts[i] : 0; };
  return fmt::format("{}{}", part(0), part(1));
}

// Checks shared by every backend; empty when fine.
std::string common_reason(const BuildConfig& config, const variant::System& system, Backend backend) {
  if (config.framework.kind != FrameworkKind::torch)
    return fmt::format("kernels-cpp builds [torch] kernels; [{}] kernels are not supported yet",
                       config.framework.table_name());
  if (backend != Backend::cpu && backend != Backend::cuda)
    return fmt::format("kernels-cpp builds cpu and cuda kernels; {} is not supported yet", backend_name(backend));
  if (system.os != "linux") return fmt::format("kernels-cpp builds on Linux only (this machine: {})", system.os);
  if (system.cpu != "x86_64" && system.cpu != "aarch64")
    return fmt::format("unsupported CPU architecture `{}` (kernel variants exist for x86_64 and aarch64)", system.cpu);
  if (!system.has_torch || !system.torch_dir || !system.torch_version) {
    auto it = system.sources.find("torch");
    return fmt::format("no torch installation was found ({})", it == system.sources.end() ? "not probed" : it->second);
  }
  return {};
}

}  // namespace

std::string VariantCandidate::describe() const {
  return name.empty() ? fmt::format("the {} backend", backend_name(backend)) : name;
}

std::optional<DottedVersion> torch_release(const variant::System& system) {
  if (!system.torch_version_full) {
    if (!system.torch_version) return std::nullopt;
    return from_major_minor(*system.torch_version);
  }
  // Leading dotted numbers of the PEP 440 version ("2.12.0.dev20260101+cu130" → 2.12).
  const std::string& full = *system.torch_version_full;
  std::size_t end = 0;
  while (end < full.size() && (std::isdigit(static_cast<unsigned char>(full[end])) || full[end] == '.')) ++end;
  std::string rel = full.substr(0, end);
  while (!rel.empty() && rel.back() == '.') rel.pop_back();
  return parse_dotted_version(rel);
}

std::vector<VariantCandidate> plan_variants(const BuildConfig& config, const variant::System& system,
                                            const Toolchain& toolchain) {
  std::vector<VariantCandidate> out;
  std::vector<Backend> seen;
  for (Backend backend : config.general.backends) {
    if (std::find(seen.begin(), seen.end(), backend) != seen.end()) continue;
    seen.push_back(backend);
    VariantCandidate c;
    c.backend = backend;
    c.reason = common_reason(config, system, backend);
    if (!c.reason.empty()) {
      out.push_back(c);
      continue;
    }

    if (config.framework.src.empty() && config.kernels_for(backend).empty()) {
      c.reason = fmt::format("build.toml has nothing to compile for it ([torch] src is empty and no [kernel.*] "
                             "section has backend = \"{}\")",
                             backend_name(backend));
      out.push_back(c);
      continue;
    }

    // Name: framework part, compute part, arch part.
    const DottedVersion torch = torch_release(system).value_or(from_major_minor(*system.torch_version));
    c.stable_abi = config.framework.stable_abi_for(backend);
    std::string framework =
        c.stable_abi ? "torch-stable-abi" + two_digits(*c.stable_abi)
                     : fmt::format("torch{}{}-{}", system.torch_version->major, system.torch_version->minor,
                                   system.torch_cxx11_abi.value_or(true) ? "cxx11" : "cxx98");
    std::string compute;
    if (backend == Backend::cpu) {
      compute = "cpu";
    } else if (toolchain.cuda) {
      c.cuda = toolchain.cuda->version;
      compute = fmt::format("cu{}{}", c.cuda->major, c.cuda->minor);
    }
    if (!compute.empty()) c.name = fmt::format("{}-{}-{}-{}", framework, compute, system.cpu, system.os);

    // Constraints, first failure wins.
    const std::string torch_text = system.torch_version_full.value_or(torch.str());
    const Framework& fw = config.framework;
    if (fw.minver && torch < *fw.minver) {
      c.reason = fmt::format("torch {} is older than [torch] minver = \"{}\"", torch_text, fw.minver->str());
    } else if (fw.maxver && torch > *fw.maxver) {
      c.reason = fmt::format("torch {} is newer than [torch] maxver = \"{}\"", torch_text, fw.maxver->str());
    } else if (c.stable_abi && torch < *c.stable_abi) {
      c.reason = fmt::format("torch {} is older than the stable ABI version {} it would target", torch_text,
                             c.stable_abi->str());
    } else if (backend == Backend::cuda) {
      const auto& tk = toolchain.cuda;
      if (system.backend.kind != variant::BackendKind::cuda) {
        c.reason = fmt::format("the torch at {} is built without CUDA (its backend is {})", system.torch_dir->string(),
                               system.backend.name());
      } else if (!tk) {
        c.reason = "no CUDA toolkit was found: " + toolchain.cuda_note;
      } else if (tk->version.major != system.backend.version.major) {
        c.reason = fmt::format("nvcc {} ({}) and torch's CUDA {} differ in major version", tk->version.str(),
                               tk->nvcc.string(), system.backend.version.str());
      } else if (tk->version.minor > system.backend.version.minor) {
        c.reason = fmt::format(
            "nvcc {} ({}) is newer than torch's CUDA {}: the kernels loader rejects a cu{}{} variant for this torch",
            tk->version.str(), tk->nvcc.string(), system.backend.version.str(), tk->version.major, tk->version.minor);
      } else {
        const DottedVersion cuda = from_major_minor(tk->version);
        const auto& g = config.general.cuda;
        if (g && g->minver && cuda < *g->minver)
          c.reason = fmt::format("CUDA {} is older than [general.cuda] minver = \"{}\"", tk->version.str(),
                                 g->minver->str());
        else if (g && g->maxver && cuda > *g->maxver)
          c.reason = fmt::format("CUDA {} is newer than [general.cuda] maxver = \"{}\"", tk->version.str(),
                                 g->maxver->str());
        else if (tk->version.minor < system.backend.version.minor)
          c.notes.push_back(fmt::format("compiling with nvcc {} for torch's CUDA {} (same major; the variant is named "
                                        "after the compiler, as upstream does)",
                                        tk->version.str(), system.backend.version.str()));
      }
    }
    c.buildable = c.reason.empty() && !c.name.empty();
    out.push_back(c);
  }
  return out;
}

}  // namespace kcpp::builder
