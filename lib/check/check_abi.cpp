#include "check/check_abi.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <system_error>

#include "check/check.hpp"
#include "check/kernel_tree.hpp"
#include "check/mapped_file.hpp"
#include "core/error.hpp"

namespace kcpp::check {

namespace stdfs = std::filesystem;

std::pair<stdfs::path, std::vector<stdfs::path>> discover_variants(const stdfs::path& kernel_dir) {
  const stdfs::path candidates[] = {kernel_dir / "result", kernel_dir / "build", kernel_dir};
  for (const auto& candidate : candidates) {
    std::error_code ec;
    if (!stdfs::is_directory(candidate, ec)) continue;
    std::vector<stdfs::path> variants;
    for (stdfs::directory_iterator it(candidate, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code e2;
      if (it->is_directory(e2) && stdfs::is_regular_file(it->path() / "metadata.json", e2))
        variants.push_back(it->path());
    }
    if (ec) throw Error(ErrorKind::io, fmt::format("Cannot read `{}`", candidate.string())).cause(ec.message());
    if (!variants.empty()) {
      std::sort(variants.begin(), variants.end());
      return {candidate, variants};
    }
  }
  throw Error(ErrorKind::failure, fmt::format("No build variants found in `{}`, `{}`, or `{}`", candidates[0].string(),
                                              candidates[1].string(), candidates[2].string()))
      .hint("a variant is a directory with a metadata.json file; build the kernel first");
}

bool render_upstream_library(const abi::LibraryAnalysis& a, const std::string& path, const CheckAbiOptions& o,
                             std::string& out) {
  const std::string py = o.python_abi.str();
  auto cannot = [&](const std::string& why) {
    out += fmt::format("\n⛔ Cannot check {}: {}\n", path, why);
    return true;
  };
  if (a.parse_error) return cannot("Cannot parse object: " + *a.parse_error);
  if (a.format == abi::ObjectFormat::elf) {
    out += fmt::format("🐍 Checking for compatibility with {} and Python ABI version {}: {}\n", o.manylinux, py, path);
    if (a.manylinux_error) return cannot(*a.manylinux_error);
    if (!a.manylinux.unparsed.empty()) {
      const auto& u = a.manylinux.unparsed.front();
      return cannot(fmt::format("{} (symbol {}@{})", u.upstream_error, u.name, u.tag));
    }
    if (!a.manylinux.violations.empty()) {
      out += fmt::format("\n⛔ Symbols incompatible with `{}` found:\n\n", o.manylinux);
      for (const auto& v : a.manylinux.violations) out += fmt::format("{}_{}: {}\n", v.name, v.dep, v.version);
    }
  } else if (a.format == abi::ObjectFormat::macho) {
    out += fmt::format("🐍 Checking for compatibility with macOS {}, and Python ABI version {}: {}\n", o.macos.str(), py,
                       path);
    if (a.macos)
      out += a.macos->missing ? std::string("\n⛔ shared library does not contain minimum macOS version\n")
                              : fmt::format("\n⛔ shared library requires macOS version {}, which is newer than {}\n",
                                            a.macos->required.str(), o.macos.str());
  } else {
    return cannot(fmt::format("Unsupported file format: {}", abi::format_name(a.format)));
  }
  bool newer = false, non_abi3 = false;
  for (const auto& v : a.python) (v.kind == abi::PythonAbiViolation::Kind::incompatible ? newer : non_abi3) = true;
  if (newer) {
    out += fmt::format("\n⛔ Symbols >= Python ABI {} found:\n\n", py);
    for (const auto& v : a.python)
      if (v.kind == abi::PythonAbiViolation::Kind::incompatible) out += fmt::format("{}: {}\n", v.name, v.added.str());
  }
  if (non_abi3) {
    out += "\n⛔ Non-ABI3 symbols found:\n\n";
    for (const auto& v : a.python)
      if (v.kind == abi::PythonAbiViolation::Kind::non_abi3) out += v.name + "\n";
  }
  if (o.torch_stable_abi) {
    const std::string t = o.torch_stable_abi->str();
    out += fmt::format("🔥 Checking for compatibility with Torch stable ABI version {}\n", t);
    if (!a.torch.empty()) {
      out += fmt::format("\n⛔ Non-stable Torch ABI symbols found (incompatible with Torch stable ABI {}):\n\n", t);
      for (const auto& v : a.torch)
        out += v.kind == abi::TorchAbiViolation::Kind::incompatible ? fmt::format("{}: {}\n", v.name, v.added.str())
                                                                    : v.name + "\n";
    }
  }
  const bool failed = !a.manylinux.violations.empty() || a.macos || !a.python.empty() || !a.torch.empty();
  if (!failed) out += "✅ No compatibility issues found\n";
  return failed;
}

bool run_check_abi(const CheckAbiOptions& options, const std::function<void(std::string_view)>& err) {
  std::error_code ec;
  if (!stdfs::is_directory(options.kernel_dir, ec))
    throw Error(ErrorKind::failure, fmt::format("`{}` is not a directory", options.kernel_dir.string()))
        .hint("pass the kernel directory (the one holding build/), or run in it");
  const abi::ManylinuxPolicy& policy = resolve_policy(options.manylinux);
  const stdfs::path dir = stdfs::canonical(options.kernel_dir, ec);
  if (ec)
    throw Error(ErrorKind::io, fmt::format("Cannot resolve kernel directory `{}`", options.kernel_dir.string()))
        .cause(ec.message());
  abi::AbiOptions abi_options;
  abi_options.manylinux = &policy;
  abi_options.python_abi = options.python_abi;
  abi_options.macos = options.macos;
  abi_options.torch_stable_abi = options.torch_stable_abi;

  bool ok = true;
  for (const auto& variant : discover_variants(dir).second) {
    std::vector<stdfs::path> libraries;
    for (stdfs::recursive_directory_iterator it(variant, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code e2;
      if (it->is_regular_file(e2) && !it->is_symlink(e2) && is_shared_object(it->path().filename().string()))
        libraries.push_back(it->path());
    }
    std::sort(libraries.begin(), libraries.end());
    for (const auto& lib : libraries) {
      std::string out;
      try {
        const MappedFile mapped(lib);
        ok = !render_upstream_library(abi::analyze_library(mapped.bytes(), abi_options), lib.string(), options, out) &&
             ok;
      } catch (const Error& e) {
        out += fmt::format("\n⛔ Cannot check {}: Cannot open object file: {}\n", lib.string(), e.what());
        ok = false;
      }
      err(out);
    }
  }
  return ok;
}

}  // namespace kcpp::check
