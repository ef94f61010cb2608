#include "abi/analysis.hpp"

#include "abi/byte_reader.hpp"

namespace kcpp::abi {

namespace {

constexpr std::size_t kMaxNeeded = 1000;

void manylinux_rules(const ObjectFile& obj, const AbiOptions& options, LibraryAnalysis& out) {
  if (!options.manylinux) {
    out.manylinux_error = "no manylinux policy given";
    return;
  }
  if (!obj.arch) {
    out.manylinux_error = "Unsupported architecture: ELF machine " + std::to_string(obj.elf->machine);
    return;
  }
  try {
    out.manylinux = check_manylinux(policy_for_arch(*options.manylinux, *obj.arch), obj);
  } catch (const Error& e) {
    out.manylinux_error = e.what();
    return;
  }
  out.blacklist = check_blacklist(*options.manylinux, obj);
  out.needed_violations = check_needed(*options.manylinux, obj);
}

}  // namespace

bool LibraryAnalysis::upstream_failed() const {
  if (parse_error || manylinux_error || !manylinux.unparsed.empty()) return true;
  if (format != ObjectFormat::elf && format != ObjectFormat::macho) return true;
  return !manylinux.violations.empty() || macos || !python.empty() || !torch.empty();
}

LibraryAnalysis analyze_library(std::string_view bytes, const AbiOptions& options) {
  LibraryAnalysis out;
  ObjectFile obj;
  try {
    obj = read_object(bytes);
  } catch (const FormatError& e) {
    out.format = is_elf(bytes) ? ObjectFormat::elf : ObjectFormat::macho;
    out.description = std::string(format_name(out.format)) + " (malformed)";
    out.parse_error = e.what();
    return out;
  }
  out.format = obj.format;
  out.description = obj.describe();
  if (obj.arch) out.arch = std::string(*obj.arch);
  if (obj.format != ObjectFormat::elf && obj.format != ObjectFormat::macho) return out;

  for (auto lib : obj.needed)
    if (out.needed.size() < kMaxNeeded) out.needed.emplace_back(lib);
  if (obj.format == ObjectFormat::elf) {
    if (obj.elf->soname) out.soname = std::string(*obj.elf->soname);
    out.stripped = !obj.elf->has_symtab;
    out.required = highest_required_versions(obj);
    manylinux_rules(obj, options, out);
    try {
      out.gpu = list_gpu_targets(bytes, *obj.elf);
    } catch (const FormatError& e) {
      out.gpu_error = e.what();
    }
  } else {
    if (obj.macho->build_version_minos) out.macos_minos = macos_version_from_u32(*obj.macho->build_version_minos).str();
    out.macos = check_macos(options.macos, obj);
  }
  out.python = check_python_abi(options.python_abi, obj);
  if (options.torch_stable_abi) {
    out.torch_checked = true;
    out.torch = check_torch_stable_abi(*options.torch_stable_abi, obj);
  }
  return out;
}

}  // namespace kcpp::abi
