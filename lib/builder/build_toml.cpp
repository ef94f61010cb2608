// build.toml reader: edition detection and the v4 upgrade (kernels-data config/{compat,parse}.rs),
// errors located in the file, and the metadata.json dependency lists. The schemas themselves
// are in build_toml_schema.cpp.
#include "builder/build_toml.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <iostream>
#include <system_error>

#include "builder/build_toml_schema.hpp"
#include "builder/toml_read.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/strings.hpp"

namespace kcpp::builder {

using namespace toml_read;

namespace {

constexpr std::string_view kReference = "https://huggingface.co/docs/kernels/builder/writing-kernels";

Error located(const std::string& path, TextPosition where, const std::string& message, std::string hint) {
  Error e(ErrorKind::parse, fmt::format("{}:{}:{}: {}", path, where.line, where.column, message));
  e.hint(hint.empty() ? fmt::format("fix build.toml at that position; the format is described at {}", kReference)
                      : std::move(hint));
  return e;
}

const char* kV4Warning =
    "⚠️  build.toml uses the legacy v4 format; upgrading to edition 5 in memory. Run `kernel-builder update-build` "
    "to persist the upgrade.";

}  // namespace

std::string_view backend_name(Backend b) { return all_backend_names()[static_cast<std::size_t>(b)]; }

std::optional<Backend> backend_from_name(std::string_view s) {
  const auto& names = all_backend_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == s) return static_cast<Backend>(i);
  return std::nullopt;
}

std::string DottedVersion::str() const {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "." : "") + std::to_string(parts[i]);
  return out;
}

std::optional<DottedVersion> parse_dotted_version(std::string_view text, std::string* why) {
  const std::string s = strings::trim(text);
  auto bad = [&](std::string reason) -> std::optional<DottedVersion> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  if (s.empty()) return bad("Empty version string");
  DottedVersion v;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = s.find('.', start);
    std::string part = s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty() || part.size() > 19 ||
        !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return bad("Version must consist of numbers: " + s);
    v.parts.push_back(std::stoull(part));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  while (!v.parts.empty() && v.parts.back() == 0) v.parts.pop_back();
  return v;
}

std::string General::python_name() const {
  std::string out = name;
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

std::string_view Framework::table_name() const {
  switch (kind) {
    case FrameworkKind::torch: return "torch";
    case FrameworkKind::torch_noarch: return "torch-noarch";
    case FrameworkKind::tvm_ffi: return "tvm-ffi";
  }
  return "torch";
}

std::optional<DottedVersion> Framework::stable_abi_for(Backend backend) const {
  if (stable_abi_all) return stable_abi_all;
  auto it = stable_abi_per_backend.find(backend);
  if (it == stable_abi_per_backend.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Framework::data_extensions() const {
  std::vector<std::string> out;
  for (const auto& e : pyext.value_or(std::vector<std::string>{}))
    if (e != "py" && e != "pyi") out.push_back(e);
  return out;
}

bool Kernel::depends_on(std::string_view dep) const {
  return std::find(depends.begin(), depends.end(), dep) != depends.end();
}

std::vector<const Kernel*> BuildConfig::kernels_for(Backend backend) const {
  std::vector<const Kernel*> out;
  for (const auto& k : kernels)
    if (k.backend == backend) out.push_back(&k);
  return out;
}

BuildConfig parse_build_toml(std::string_view text, const std::string& display_path,
                             std::vector<std::string>* warnings) {
  toml::table doc;
  try {
    doc = toml::parse(text, display_path);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    throw located(display_path, TextPosition{static_cast<int>(b.line), static_cast<int>(b.column)},
                  fmt::format("Cannot parse TOML: {}", e.description()), "fix the TOML syntax at that position");
  }

  // Edition probe (compat.rs EditionProbe): `general` must be a table and `edition` a u32.
  std::optional<std::int64_t> edition;
  const toml::node* edition_node = nullptr;
  if (const toml::node* g = doc.get("general")) {
    if (!g->is_table()) {
      auto p = position_of(*g);
      throw located(display_path, p,
                    fmt::format("invalid `general.edition`: invalid type: {}, expected struct GeneralProbe", describe(*g)),
                    "[general] must be a table");
    }
    edition_node = g->as_table()->get("edition");
    if (edition_node) {
      auto i = edition_node->as_integer();
      if (!i || i->get() < 0 || i->get() > 0xffffffffLL)
        throw located(display_path, position_of(*edition_node),
                      i ? fmt::format("invalid `general.edition`: invalid value: integer `{}`, expected u32", i->get())
                        : fmt::format("invalid `general.edition`: invalid type: {}, expected u32", describe(*edition_node)),
                      "write `edition = 5` in [general]");
      edition = i->get();
    }
  }

  auto read = [&](int ed) {
    BuildConfig c = read_schema(doc, ed);
    c.path = display_path;
    return c;
  };

  if (edition) {
    if (*edition != 5)
      throw located(display_path, position_of(*edition_node),
                    fmt::format("unsupported build edition {}; upgrade kernel-builder", *edition),
                    "this kernel-builder reads edition 5 (and upgrades the unversioned v4 format in memory)");
    try {
      return read(5);
    } catch (const TomlSchemaError& e) {
      throw located(display_path, e.where, e.what(), e.hint);
    }
  }

  // No edition: v4 (stricter) first, then v3, as upstream does.
  try {
    BuildConfig c = read(4);
    if (warnings)
      warnings->push_back(kV4Warning);
    else
      std::cerr << kV4Warning << "\n";
    return c;
  } catch (const TomlSchemaError& v4) {
    try {
      read(3);
    } catch (const TomlSchemaError& v3) {
      throw located(display_path, v4.where,
                    fmt::format("did not match v4 ({}) or v3 ({}:{}: {})", v4.what(), v3.where.line, v3.where.column,
                                v3.what()),
                    v4.hint.empty() ? "edition 5 files say `edition = 5` in [general]; see " + std::string(kReference)
                                    : v4.hint + " (or add `edition = 5` to [general] if this is an edition 5 file)");
    }
    throw located(display_path, TextPosition{1, 1},
                  "build.toml uses an unsupported legacy format; migrate it with `kernel-builder update-build`",
                  "run upstream's `kernel-builder update-build` once, or rewrite build.toml as edition 5");
  }
}

BuildConfig read_build_toml(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::path file = std::filesystem::is_directory(path, ec) ? path / "build.toml" : path;
  if (!std::filesystem::is_regular_file(file, ec))
    throw Error(ErrorKind::io, fmt::format("Cannot open {} for reading", file.string()))
        .cause(ec ? ec.message() : "No such file or directory")
        .hint("run kernel-builder in a kernel directory (the one with build.toml), or pass that directory");
  std::string text;
  try {
    text = fs::read_file(file);
  } catch (const Error& e) {
    throw Error(ErrorKind::io, fmt::format("Cannot open {} for reading", file.string())).cause(e.what());
  }
  return parse_build_toml(text, file.string());
}

namespace {

// python_dependencies.json of kernels-data: names only (their Nix/pip packages are not
// needed to write metadata.json).
const std::vector<std::string_view> kGeneralPythonDeps = {"einops", "helion", "tvm-ffi"};
std::optional<std::vector<std::string_view>> backend_python_deps(Backend b) {
  switch (b) {
    case Backend::cpu: return std::vector<std::string_view>{};
    case Backend::cuda: return std::vector<std::string_view>{"nvidia-cutlass-dsl"};
    case Backend::metal: return std::vector<std::string_view>{};
    case Backend::neuron: return std::vector<std::string_view>{"nki"};
    case Backend::rocm: return std::vector<std::string_view>{};
    case Backend::xpu: return std::vector<std::string_view>{"onednn"};
    default: return std::nullopt;  // cann, tpu: no entry upstream
  }
}

}  // namespace

std::vector<std::string> python_depends_for(const BuildConfig& config, Backend backend) {
  const std::string& path = config.path.string();
  std::vector<std::string> out;
  for (const auto& d : config.general.python_depends.value_or(std::vector<LocatedString>{})) {
    if (std::find(kGeneralPythonDeps.begin(), kGeneralPythonDeps.end(), d.value) == kGeneralPythonDeps.end())
      throw located(path, d.where, fmt::format("Unknown dependency: `\"{}\"`", d.value),
                    fmt::format("general python-depends are {}", backticked(kGeneralPythonDeps)));
    out.push_back(d.value);
  }
  // Upstream reads backend python-depends only for cuda, tpu and xpu.
  const std::optional<std::vector<LocatedString>>* deps = nullptr;
  if (backend == Backend::cuda && config.general.cuda) deps = &config.general.cuda->python_depends;
  if (backend == Backend::tpu && config.general.tpu) deps = &config.general.tpu->python_depends;
  if (backend == Backend::xpu && config.general.xpu) deps = &config.general.xpu->python_depends;
  if (deps && *deps) {
    for (const auto& d : **deps) {
      auto known = backend_python_deps(backend);
      if (!known)
        throw located(path, d.where, fmt::format("No dependencies are defined for backend: \"{}\"", backend_name(backend)),
                      "remove this python dependency");
      if (std::find(known->begin(), known->end(), d.value) == known->end())
        throw located(path, d.where,
                      fmt::format("Unknown dependency `\"{}\"` for backend `\"{}\"`", d.value, backend_name(backend)),
                      known->empty() ? std::string("this backend has no known python dependencies")
                                     : fmt::format("{} python-depends are {}", backend_name(backend), backticked(*known)));
      out.push_back(d.value);
    }
  }
  return out;
}

std::vector<KernelDependency> kernel_depends_for(const BuildConfig& config, Backend backend) {
  std::vector<KernelDependency> out = config.general.kernel_depends.value_or(std::vector<KernelDependency>{});
  const std::optional<std::vector<KernelDependency>>* extra = nullptr;
  if (backend == Backend::cuda && config.general.cuda) extra = &config.general.cuda->kernel_depends;
  if (backend == Backend::neuron && config.general.neuron) extra = &config.general.neuron->kernel_depends;
  if (backend == Backend::xpu && config.general.xpu) extra = &config.general.xpu->kernel_depends;
  if (extra && *extra) out.insert(out.end(), (*extra)->begin(), (*extra)->end());
  return out;
}

}  // namespace kcpp::builder
