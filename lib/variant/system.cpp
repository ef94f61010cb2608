#include "variant/system.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "core/env.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"

namespace kcpp::variant {

namespace stdfs = std::filesystem;

namespace {

// ---------------------------------------------------------------------------------------
// Small text helpers

std::optional<std::string> read_text(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool exists_file(const stdfs::path& p) {
  std::error_code ec;
  return stdfs::is_regular_file(p, ec);
}

bool exists_dir(const stdfs::path& p) {
  std::error_code ec;
  return stdfs::is_directory(p, ec);
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    std::size_t pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out = split(text, '\n');
  for (auto& l : out)
    if (!l.empty() && l.back() == '\r') l.pop_back();
  return out;
}

// The release numbers of a PEP 440 version as packaging parses it ("v1!2.10.0a0+git12"
// → {2, 10, 0}); nullopt when packaging would raise InvalidVersion (or a number is absurdly
// long). The pattern is PEP 440's canonical one (epoch, release, pre, post, dev, local).
std::optional<std::vector<long>> release_of(std::string_view text) {
  static const std::regex pep440(
      R"(v?(?:[0-9]+!)?([0-9]+(?:\.[0-9]+)*))"
      R"((?:[-_.]?(?:alpha|a|beta|b|preview|pre|c|rc)[-_.]?[0-9]*)?)"
      R"((?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?)"
      R"((?:[-_.]?dev[-_.]?[0-9]*)?)"
      R"((?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?)",
      std::regex::ECMAScript | std::regex::icase);
  std::string s = strings::trim(text);
  std::smatch m;
  if (!std::regex_match(s, m, pep440)) return std::nullopt;
  std::vector<long> rel;
  for (const std::string& part : split(m[1].str(), '.')) {
    std::size_t first = 0;
    while (first + 1 < part.size() && part[first] == '0') ++first;  // Version() drops leading zeros
    if (part.size() - first > 18) return std::nullopt;
    rel.push_back(std::stol(part.substr(first)));
  }
  return rel;
}

MajorMinor major_minor(const std::vector<long>& rel) {
  return MajorMinor{rel.empty() ? 0 : rel[0], rel.size() > 1 ? rel[1] : 0};
}

// Reads `name = 'literal'` / `name: T = None` assignments of a generated Python file (torch/version.py, tvm_ffi/_version.py). Chained `a = b = 'x'` sets both.
// Values: a string literal, or nullopt for None; other values are skipped.
std::map<std::string, std::optional<std::string>> read_py_assignments(std::string_view text) {
  std::map<std::string, std::optional<std::string>> out;
  for (const std::string& raw : lines_of(text)) {
    // Indented assignments count too (tvm_ffi sets its fallback __version__ in an except:).
    const std::string l = strings::trim(raw);
    if (l.empty() || l[0] == '#') continue;
    std::vector<std::string> names;
    std::size_t i = 0;
    auto ident = [&](std::size_t& k) {
      std::size_t b = k;
      if (k < l.size() && (std::isalpha(static_cast<unsigned char>(l[k])) || l[k] == '_')) {
        ++k;
        while (k < l.size() && (std::isalnum(static_cast<unsigned char>(l[k])) || l[k] == '_')) ++k;
      }
      return l.substr(b, k - b);
    };
    auto skip_ws = [&](std::size_t& k) {
      while (k < l.size() && (l[k] == ' ' || l[k] == '\t')) ++k;
    };
    bool ok = false;
    std::size_t value_at = 0;
    while (true) {
      std::size_t k = i;
      skip_ws(k);
      std::string name = ident(k);
      if (name.empty()) break;
      skip_ws(k);
      if (k < l.size() && l[k] == ':' && names.empty()) {  // annotation up to '='
        std::size_t eq = l.find('=', k);
        if (eq == std::string::npos) break;
        k = eq;
      }
      if (k < l.size() && l[k] == '=' && (k + 1 >= l.size() || l[k + 1] != '=')) {
        names.push_back(name);
        i = k + 1;
        ok = true;
        value_at = i;
        continue;
      }
      break;
    }
    if (!ok) continue;
    std::size_t k = value_at;
    skip_ws(k);
    std::string rest = strings::trim(std::string_view(l).substr(k));
    std::optional<std::string> value;
    if (rest == "None") {
      value = std::nullopt;
    } else if (rest.size() >= 2 && (rest[0] == '\'' || rest[0] == '"')) {
      char q = rest[0];
      std::string v;
      std::size_t p = 1;
      bool closed = false;
      for (; p < rest.size(); ++p) {
        char c = rest[p];
        if (c == '\\' && p + 1 < rest.size()) {
          v.push_back(rest[++p]);
          continue;
        }
        if (c == q) {
          closed = true;
          break;
        }
        v.push_back(c);
      }
      if (!closed) continue;
      value = v;
    } else {
      continue;
    }
    for (const auto& n : names) out[n] = value;
  }
  return out;
}

std::optional<std::string> file_string_assignment(const stdfs::path& p, const std::string& name) {
  auto text = read_text(p);
  if (!text) return std::nullopt;
  auto vars = read_py_assignments(*text);
  auto it = vars.find(name);
  if (it == vars.end() || !it->second) return std::nullopt;
  return it->second;
}

// ---------------------------------------------------------------------------------------
// Where Python would look for packages

struct SearchDir {
  stdfs::path dir;
  std::string origin;  // "PYTHONPATH", "site-packages of /usr/bin/python3", …
};

struct VenvCfg {
  std::optional<std::string> home;
  bool include_system = false;
  std::optional<std::string> version;  // "3.11.7"
};

std::optional<VenvCfg> read_pyvenv_cfg(const stdfs::path& prefix) {
  auto text = read_text(prefix / "pyvenv.cfg");
  if (!text) return std::nullopt;
  VenvCfg cfg;
  for (const auto& line : lines_of(*text)) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = strings::ascii_lower(strings::trim(std::string_view(line).substr(0, eq)));
    std::string value = strings::trim(std::string_view(line).substr(eq + 1));
    if (key == "home") cfg.home = value;
    else if (key == "include-system-site-packages") cfg.include_system = strings::ascii_lower(value) == "true";
    else if (key == "version" || key == "version_info") cfg.version = value;
  }
  return cfg;
}

// "3.11.7" → "3.11"
std::optional<std::string> short_pyver(const std::optional<std::string>& v) {
  if (!v) return std::nullopt;
  auto rel = release_of(*v);
  if (!rel || rel->size() < 2) return std::nullopt;
  return fmt::format("{}.{}", (*rel)[0], (*rel)[1]);
}

// The lib/python3.X directories under PREFIX/LIBDIR: the one for VERSION when known, else
// every python3.* (newest first).
std::vector<std::string> python_lib_names(const stdfs::path& libdir, const std::optional<std::string>& version) {
  if (version) return {"python" + *version};
  std::vector<std::pair<long, std::string>> found;
  std::error_code ec;
  for (stdfs::directory_iterator it(libdir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!name.starts_with("python3.")) continue;
    std::string minor = name.substr(8);
    if (minor.empty() || !std::all_of(minor.begin(), minor.end(), [](unsigned char c) { return std::isdigit(c); }) ||
        minor.size() > 6)
      continue;
    found.emplace_back(std::stol(minor), name);
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(f.second);
  return out;
}

void add_if_dir(std::vector<SearchDir>& out, const stdfs::path& p, const std::string& origin) {
  if (!exists_dir(p)) return;
  for (const auto& d : out)
    if (d.dir == p) return;
  out.push_back({p, origin});
}

// site.addsitedir: the directory itself, then the plain path lines of its *.pth files
// (sorted by name, `#` comments and `import` lines skipped, relative to the directory).
void add_site_dir(std::vector<SearchDir>& out, const stdfs::path& dir, const std::string& origin) {
  if (!exists_dir(dir)) return;
  add_if_dir(out, dir, origin);
  std::vector<stdfs::path> pth;
  std::error_code ec;
  for (stdfs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".pth") pth.push_back(it->path());
  std::sort(pth.begin(), pth.end());
  for (const auto& file : pth) {
    auto text = read_text(file);
    if (!text) continue;
    for (const auto& raw : lines_of(*text)) {
      std::string line = strings::trim(raw);
      if (line.empty() || line[0] == '#' || line.starts_with("import ") || line.starts_with("import\t"))
        continue;
      stdfs::path p(line);
      if (p.is_relative()) p = dir / p;
      add_if_dir(out, p.lexically_normal(), origin + " (" + file.filename().string() + ")");
    }
  }
}

// Site directories of a non-virtual-env installation at PREFIX (Debian and upstream
// layouts), preceded by the user site directory as Python does.
void add_prefix_site_dirs(std::vector<SearchDir>& out, const stdfs::path& prefix,
                          const std::optional<std::string>& version, const std::string& origin,
                          bool user_site) {
  if (user_site && !env::get_nonempty("PYTHONNOUSERSITE")) {
    if (auto home = env::get_nonempty("HOME")) {
      stdfs::path base = env::get_nonempty("PYTHONUSERBASE").value_or(*home + "/.local");
      for (const auto& name : python_lib_names(base / "lib", version))
        add_site_dir(out, base / "lib" / name / "site-packages", origin + " (user site)");
    }
  }
  for (const auto& name : python_lib_names(prefix / "local" / "lib", version))
    add_site_dir(out, prefix / "local" / "lib" / name / "dist-packages", origin);
  for (const auto& name : python_lib_names(prefix / "lib", version))
    add_site_dir(out, prefix / "lib" / name / "site-packages", origin);
  add_site_dir(out, prefix / "lib" / "python3" / "dist-packages", origin);
  for (const auto& name : python_lib_names(prefix / "lib", version))
    add_site_dir(out, prefix / "lib" / name / "dist-packages", origin);
}

void add_venv_site_dirs(std::vector<SearchDir>& out, const stdfs::path& prefix, const VenvCfg& cfg,
                        const std::string& origin) {
  auto version = short_pyver(cfg.version);
  for (const auto& name : python_lib_names(prefix / "lib", version))
    add_site_dir(out, prefix / "lib" / name / "site-packages", origin);
  if (cfg.include_system && cfg.home) {
    stdfs::path base = stdfs::path(*cfg.home).parent_path();  // home = <base>/bin
    add_prefix_site_dirs(out, base, version, origin + " (system site)", true);
  }
}

std::optional<stdfs::path> which(const std::string& name) {
  auto path = env::get("PATH").value_or("/usr/local/bin:/usr/bin:/bin");
  for (const auto& dir : split(path, ':')) {
    if (dir.empty()) continue;
    stdfs::path candidate = stdfs::path(dir) / name;
    if (exists_file(candidate) && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

// pyenv shims are scripts; the version they run comes from $PYENV_VERSION, a
// .python-version file in the working directory or above, or $PYENV_ROOT/version.
std::optional<stdfs::path> resolve_pyenv_shim(const stdfs::path& exe) {
  stdfs::path shims = exe.parent_path();
  if (shims.filename() != "shims") return std::nullopt;
  stdfs::path root = shims.parent_path();
  if (!exists_dir(root / "versions")) return std::nullopt;
  std::optional<std::string> version = env::get_nonempty("PYENV_VERSION");
  if (!version) {
    std::error_code ec;
    stdfs::path dir = stdfs::current_path(ec);
    while (!ec && !dir.empty()) {
      if (auto text = read_text(dir / ".python-version")) {
        version = *text;
        break;
      }
      if (dir == dir.root_path()) break;
      dir = dir.parent_path();
    }
  }
  if (!version) version = read_text(root / "version");
  if (!version) return std::nullopt;
  // first entry of a "3.11.7:3.12.1" list or of a multi-line file
  std::string first;
  for (const auto& line : lines_of(*version)) {
    std::string t = strings::trim(line);
    if (t.empty() || t[0] == '#') continue;
    first = split(t, ':')[0];
    break;
  }
  if (first.empty() || first == "system") return std::nullopt;
  stdfs::path bin = root / "versions" / first / "bin";
  for (const char* name : {"python3", "python"})
    if (exists_file(bin / name)) return bin / name;
  return std::nullopt;
}

// Site directories of the interpreter EXE (a venv's, or the installation's it links to).
void add_interpreter_site_dirs(std::vector<SearchDir>& out, stdfs::path exe, const std::string& origin) {
  if (auto shim = resolve_pyenv_shim(exe)) exe = *shim;
  stdfs::path venv = exe.parent_path().parent_path();
  if (auto cfg = read_pyvenv_cfg(venv)) {
    add_venv_site_dirs(out, venv, *cfg, origin + " " + exe.string());
    return;
  }
  std::error_code ec;
  stdfs::path real = stdfs::canonical(exe, ec);
  if (ec) real = exe;
  stdfs::path prefix = real.parent_path().parent_path();
  if (auto cfg = read_pyvenv_cfg(prefix)) {
    add_venv_site_dirs(out, prefix, *cfg, origin + " " + exe.string());
    return;
  }
  std::optional<std::string> version;
  std::string fname = real.filename().string();
  if (fname.starts_with("python3.")) {
    std::string v = fname.substr(6);
    if (short_pyver(v)) version = short_pyver(v);
  }
  add_prefix_site_dirs(out, prefix, version, origin + " " + exe.string(), true);
}

// The search path, in Python's order: $PYTHONPATH entries, then the site directories of
// the first interpreter named by $KERNELS_PYTHON, $VIRTUAL_ENV or `python3` on $PATH.
std::vector<SearchDir> search_path(std::string* interpreter_note) {
  std::vector<SearchDir> out;
  if (auto pp = env::get_nonempty("PYTHONPATH")) {
    for (const auto& entry : split(*pp, ':'))
      if (!entry.empty()) add_if_dir(out, stdfs::path(entry), "PYTHONPATH");
  }
  if (auto kp = env::get_nonempty("KERNELS_PYTHON")) {
    stdfs::path exe(*kp);
    if (kp->find('/') == std::string::npos) {
      if (auto found = which(*kp)) exe = *found;
    }
    *interpreter_note = "KERNELS_PYTHON=" + *kp;
    add_interpreter_site_dirs(out, exe, "site-packages of $KERNELS_PYTHON");
    return out;
  }
  if (auto ve = env::get_nonempty("VIRTUAL_ENV")) {
    *interpreter_note = "VIRTUAL_ENV=" + *ve;
    stdfs::path prefix(*ve);
    VenvCfg cfg = read_pyvenv_cfg(prefix).value_or(VenvCfg{});
    add_venv_site_dirs(out, prefix, cfg, "site-packages of $VIRTUAL_ENV " + *ve);
    return out;
  }
  // python3 on PATH; a pyenv shim that runs the "system" Python is skipped.
  auto path = env::get("PATH").value_or("/usr/local/bin:/usr/bin:/bin");
  for (const auto& dir : split(path, ':')) {
    if (dir.empty()) continue;
    stdfs::path exe = stdfs::path(dir) / "python3";
    if (!exists_file(exe) || ::access(exe.c_str(), X_OK) != 0) continue;
    if (exe.parent_path().filename() == "shims" && exists_dir(exe.parent_path().parent_path() / "versions") &&
        !resolve_pyenv_shim(exe))
      continue;
    *interpreter_note = "python3 on PATH: " + exe.string();
    add_interpreter_site_dirs(out, exe, "site-packages of");
    return out;
  }
  *interpreter_note = "no python3 found";
  return out;
}

// importlib's find_spec, reduced to what decides presence: a regular package, a module file,
// or (only when nothing else matches) a namespace package directory.
std::optional<stdfs::path> find_module(const std::vector<SearchDir>& dirs, const std::string& name,
                                       std::string* origin = nullptr) {
  std::optional<std::pair<stdfs::path, std::string>> namespace_hit;
  for (const auto& d : dirs) {
    stdfs::path pkg = d.dir / name;
    if (exists_file(pkg / "__init__.py")) {
      if (origin) *origin = d.origin;
      return pkg;
    }
    if (exists_file(d.dir / (name + ".py"))) {
      if (origin) *origin = d.origin;
      return d.dir / (name + ".py");
    }
    if (!namespace_hit && exists_dir(pkg)) namespace_hit = {pkg, d.origin};
  }
  if (namespace_hit) {
    if (origin) *origin = namespace_hit->second;
    return namespace_hit->first;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// torch

struct TorchFacts {
  stdfs::path dir;  // the torch package directory
  std::string version_full;
  MajorMinor version;
  std::optional<std::string> cuda, hip, xpu;
  std::optional<bool> cxx11_abi;
  std::string abi_source;
};

std::optional<TorchFacts> read_torch_dir(const stdfs::path& dir) {
  auto text = read_text(dir / "version.py");
  if (!text) return std::nullopt;
  auto vars = read_py_assignments(*text);
  auto get = [&](const char* k) -> std::optional<std::string> {
    auto it = vars.find(k);
    return it == vars.end() ? std::nullopt : it->second;
  };
  auto full = get("__version__");
  if (!full) {
    spdlog::warn("{}: no __version__; ignoring this torch", (dir / "version.py").string());
    return std::nullopt;
  }
  auto rel = release_of(*full);
  if (!rel) {
    spdlog::warn("{}: cannot parse torch version '{}'; ignoring this torch", (dir / "version.py").string(), *full);
    return std::nullopt;
  }
  TorchFacts t;
  t.dir = dir;
  t.version_full = *full;
  t.version = major_minor(*rel);
  t.cuda = get("cuda");
  t.hip = get("hip");
  t.xpu = get("xpu");

  // torch.compiled_with_cxx11_abi(): what the build used, as recorded in its CMake config,
  // else visible in libc10's mangled names, else the default of the PyPI wheels (C++11 ABI
  // since 2.7).
  stdfs::path cmake = dir / "share" / "cmake" / "Torch" / "TorchConfig.cmake";
  if (auto cm = read_text(cmake)) {
    constexpr std::string_view flag = "-D_GLIBCXX_USE_CXX11_ABI=";
    auto pos = cm->find(flag);
    if (pos != std::string::npos && pos + flag.size() < cm->size()) {
      char c = (*cm)[pos + flag.size()];
      if (c == '0' || c == '1') {
        t.cxx11_abi = c == '1';
        t.abi_source = cmake.string();
      }
    }
  }
  if (!t.cxx11_abi) {
    stdfs::path lib = dir / "lib" / "libc10.so";
    std::ifstream in(lib, std::ios::binary);
    if (in) {
      constexpr std::string_view tag = "B5cxx11";
      std::string buf(1 << 20, '\0');
      std::string carry;
      bool found = false;
      while (!found && in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        std::size_t n = static_cast<std::size_t>(in.gcount());
        if (n == 0) break;
        std::string chunk = carry + buf.substr(0, n);
        found = chunk.find(tag) != std::string::npos;
        carry = chunk.size() >= tag.size() ? chunk.substr(chunk.size() - (tag.size() - 1)) : chunk;
      }
      t.cxx11_abi = found;
      t.abi_source = lib.string() + (found ? " (has B5cxx11 symbols)" : " (no B5cxx11 symbols)");
    }
  }
  if (!t.cxx11_abi) {
    t.cxx11_abi = true;
    t.abi_source = "assumed (no TorchConfig.cmake or libc10.so; PyPI torch uses the C++11 ABI since 2.7)";
  }
  return t;
}

std::optional<TorchFacts> find_torch(const std::vector<SearchDir>& dirs, std::string* source) {
  if (auto d = env::get_nonempty("KERNELS_TORCH_DIR")) {
    if (auto t = read_torch_dir(*d)) {
      *source = (stdfs::path(*d) / "version.py").string() + " ($KERNELS_TORCH_DIR)";
      return t;
    }
    spdlog::warn("KERNELS_TORCH_DIR={} has no readable version.py; looking for torch elsewhere", *d);
  }
  for (const auto& d : dirs) {
    if (!exists_file(d.dir / "torch" / "version.py")) continue;
    if (auto t = read_torch_dir(d.dir / "torch")) {
      *source = (d.dir / "torch" / "version.py").string() + " (" + d.origin + ")";
      return t;
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// backend

// CANN version as torch_npu's collect_env reports it, whose characters [0] and [2] upstream
// uses as major and minor ("8.0.RC3" → 8.0). Best effort from the toolkit's install info.
std::optional<MajorMinor> cann_version(const std::string& machine, std::string* source) {
  std::vector<stdfs::path> roots;
  for (const char* var : {"ASCEND_TOOLKIT_HOME", "ASCEND_HOME_PATH"})
    if (auto v = env::get_nonempty(var)) roots.emplace_back(*v);
  roots.emplace_back("/usr/local/Ascend/ascend-toolkit/latest");
  for (const auto& root : roots) {
    for (const stdfs::path& file :
         {root / (machine + "-linux") / "ascend_toolkit_install.info", root / "version.cfg", root / "version.info"}) {
      auto text = read_text(file);
      if (!text) continue;
      for (const auto& line : lines_of(*text)) {
        std::string t = strings::trim(line);
        auto eq = t.find('=');
        if (eq == std::string::npos) continue;
        std::string key = strings::ascii_lower(strings::trim(std::string_view(t).substr(0, eq)));
        if (key != "version" && key != "toolkit_version") continue;
        std::string v = strings::trim(std::string_view(t).substr(eq + 1));
        if (v.starts_with("CANN-")) v = v.substr(5);
        if (v.size() >= 3 && std::isdigit(static_cast<unsigned char>(v[0])) &&
            std::isdigit(static_cast<unsigned char>(v[2]))) {
          *source = file.string();
          return MajorMinor{v[0] - '0', v[2] - '0'};
        }
      }
    }
  }
  return std::nullopt;
}

// upstream _backend() with torch present, first match wins.
Backend backend_from_torch(const TorchFacts& t, const std::vector<SearchDir>& dirs, const std::string& os,
                           const std::string& machine, std::string* source) {
  std::string where;
  if (auto p = find_module(dirs, "torch_tpu", &where)) {
    *source = "torch_tpu package at " + p->string();
    return Backend{BackendKind::tpu, {}};
  }
  if (auto p = find_module(dirs, "torch_neuronx", &where)) {
    *source = "torch_neuronx package at " + p->string();
    return Backend{BackendKind::neuron, {}};
  }
  const std::string version_py = (t.dir / "version.py").string();
  if (t.cuda) {
    if (auto rel = release_of(*t.cuda)) {
      *source = version_py + " (cuda = '" + *t.cuda + "')";
      return Backend{BackendKind::cuda, major_minor(*rel)};
    }
    spdlog::warn("{}: cannot parse cuda = '{}'", version_py, *t.cuda);
  }
  if (t.hip) {
    std::string v = split(*t.hip, '-')[0];
    if (auto rel = release_of(v)) {
      *source = version_py + " (hip = '" + *t.hip + "')";
      return Backend{BackendKind::rocm, major_minor(*rel)};
    }
    spdlog::warn("{}: cannot parse hip = '{}'", version_py, *t.hip);
  }
  // torch.backends.mps.is_available(): Apple-silicon macOS.
  if (os == "darwin" && (machine == "arm64" || machine == "aarch64")) {
    *source = "macOS on Apple silicon (MPS)";
    return Backend{BackendKind::metal, {}};
  }
  if (t.xpu) {
    // f"{xpu[0:4]}.{xpu[5:6]}", e.g. 20250300 → 2025.3
    const std::string& x = *t.xpu;
    std::string v = x.substr(0, std::min<std::size_t>(4, x.size())) + "." + (x.size() > 5 ? x.substr(5, 1) : "");
    if (auto rel = release_of(v); rel && v.back() != '.') {
      *source = version_py + " (xpu = '" + x + "')";
      return Backend{BackendKind::xpu, major_minor(*rel)};
    }
    spdlog::warn("{}: cannot parse xpu = '{}'", version_py, x);
  }
  if (auto p = find_module(dirs, "torch_npu", &where)) {
    std::string cann_source;
    if (auto v = cann_version(machine, &cann_source)) {
      *source = "torch_npu package at " + p->string() + ", CANN version from " + cann_source;
      return Backend{BackendKind::cann, *v};
    }
    spdlog::warn("torch_npu is installed but the CANN version is unknown; using the CPU backend");
  }
  *source = version_py + " (no cuda/hip/xpu)";
  return Backend{BackendKind::cpu, {}};
}

// upstream _get_cuda(): the CUDA runtime's version, when libcudart loads.
Backend backend_from_cudart(std::string* source) {
  using GetVersion = int (*)(int*);
  for (const char* name : {"libcudart.so", "libcudart.so.13", "libcudart.so.12", "libcudart.so.11"}) {
    void* handle = ::dlopen(name, RTLD_LAZY | RTLD_LOCAL);
    if (!handle) continue;
    auto fn = reinterpret_cast<GetVersion>(::dlsym(handle, "cudaRuntimeGetVersion"));
    std::string path = name;
    Dl_info info{};
    if (fn && ::dladdr(reinterpret_cast<void*>(fn), &info) != 0 && info.dli_fname) path = info.dli_fname;
    int v = 0;
    int rc = fn ? fn(&v) : -1;
    ::dlclose(handle);
    if (rc != 0) {
      spdlog::warn("System has CUDA runtime library, but cannot get runtime version.");
      *source = path + " (cudaRuntimeGetVersion failed)";
      return Backend{BackendKind::cpu, {}};
    }
    *source = fmt::format("{} (cudaRuntimeGetVersion = {})", path, v);
    return Backend{BackendKind::cuda, MajorMinor{v / 1000, (v % 1000) / 10}};
  }
  *source = "no torch and no libcudart";
  return Backend{BackendKind::cpu, {}};
}

// ---------------------------------------------------------------------------------------
// tvm-ffi, macOS

struct TvmFfiFacts {
  std::string version_full;
  MajorMinor version;
  std::string source;
};

std::optional<TvmFfiFacts> find_tvm_ffi(std::vector<SearchDir> dirs) {
  if (auto d = env::get_nonempty("KERNELS_TORCH_DIR"))  // torch's site-packages, if it is one
    dirs.insert(dirs.begin(), SearchDir{stdfs::path(*d).parent_path(), "parent of $KERNELS_TORCH_DIR"});
  std::string origin;
  auto pkg = find_module(dirs, "tvm_ffi", &origin);
  if (!pkg) return std::nullopt;
  auto make = [&](const std::string& v, const std::string& src) -> std::optional<TvmFfiFacts> {
    auto rel = release_of(v);
    if (!rel) return std::nullopt;
    return TvmFfiFacts{v, major_minor(*rel), src};
  };
  // tvm_ffi/__init__.py: `from ._version import __version__`, else "0.0.0.dev0".
  if (auto v = file_string_assignment(*pkg / "_version.py", "__version__"))
    if (auto f = make(*v, (*pkg / "_version.py").string())) return f;
  stdfs::path site = pkg->parent_path();
  std::error_code ec;
  for (stdfs::directory_iterator it(site, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() < 10 || name.substr(name.size() - 10) != ".dist-info") continue;
    std::string dist = strings::ascii_lower(name);
    if (!dist.starts_with("tvm_ffi-") && !dist.starts_with("apache_tvm_ffi-")) continue;
    auto meta = read_text(it->path() / "METADATA");
    if (!meta) continue;
    for (const auto& line : lines_of(*meta)) {
      if (line.starts_with("Version:"))
        if (auto f = make(strings::trim(std::string_view(line).substr(8)), (it->path() / "METADATA").string())) return f;
    }
  }
  if (auto v = file_string_assignment(*pkg / "__init__.py", "__version__"))
    if (auto f = make(*v, (*pkg / "__init__.py").string())) return f;
  spdlog::warn("tvm_ffi found at {} but its version is unknown", pkg->string());
  return std::nullopt;
}

std::optional<std::vector<long>> read_macos_version(std::string* source) {
  const stdfs::path plist = "/System/Library/CoreServices/SystemVersion.plist";
  auto text = read_text(plist);
  if (!text) return std::nullopt;
  auto key = text->find("<key>ProductVersion</key>");
  if (key == std::string::npos) return std::nullopt;
  auto open = text->find("<string>", key);
  auto close = open == std::string::npos ? open : text->find("</string>", open);
  if (close == std::string::npos) return std::nullopt;
  auto rel = release_of(text->substr(open + 8, close - open - 8));
  if (rel) *source = plist.string();
  return rel;
}

// ---------------------------------------------------------------------------------------
// overrides

std::vector<long> parse_override_version(const std::string& flag, const std::string& value, const char* example) {
  auto rel = release_of(value);
  std::string t = strings::trim(value);
  if (!rel || t.empty() || !std::isdigit(static_cast<unsigned char>(t[0])))
    throw usage_error(fmt::format("invalid {} value '{}': expected a version such as {}", flag, value, example));
  return *rel;
}

MajorMinor parse_backend_override(const std::string& flag, const std::string& value, BackendKind kind,
                                  const char* example) {
  // Also accept the variant token ("cu130" for --cuda 13.0).
  if (!value.empty() && !std::isdigit(static_cast<unsigned char>(value[0]))) {
    try {
      Backend b = parse_backend(value);
      if (b.kind == kind) return b.version;
    } catch (const Error&) {
    }
  }
  return major_minor(parse_override_version(flag, value, example));
}

void check_word(const std::string& flag, const std::string& value) {
  if (value.empty() || value.find('-') != std::string::npos ||
      std::any_of(value.begin(), value.end(), [](unsigned char c) { return std::isspace(c); }))
    throw usage_error(fmt::format("invalid {} value '{}': expected a name without '-' or spaces", flag, value));
}

bool is_none(const std::string& v) { return strings::ascii_lower(strings::trim(v)) == "none"; }

}  // namespace

std::string macos_version_str(const std::optional<std::vector<long>>& v) {
  if (!v || v->empty()) return "None";
  std::string out;
  for (std::size_t i = 0; i < v->size(); ++i) {
    if (i) out += '.';
    out += std::to_string((*v)[i]);
  }
  return out;
}

System probe(const ProbeOverrides& o) {
  // Validate every override before probing anything.
  std::optional<std::vector<long>> torch_override;
  if (o.torch && !is_none(*o.torch)) torch_override = parse_override_version("--torch", *o.torch, "2.11 or 'none'");
  int backend_overrides = (o.cuda ? 1 : 0) + (o.rocm ? 1 : 0) + (o.xpu ? 1 : 0);
  if (backend_overrides > 1) throw usage_error("--cuda, --rocm and --xpu are mutually exclusive");
  std::optional<Backend> backend_override;
  std::string backend_override_note;
  if (o.cuda) {
    backend_override = Backend{BackendKind::cuda, parse_backend_override("--cuda", *o.cuda, BackendKind::cuda, "13.0")};
    backend_override_note = "override (--cuda " + *o.cuda + ")";
  } else if (o.rocm) {
    backend_override = Backend{BackendKind::rocm, parse_backend_override("--rocm", *o.rocm, BackendKind::rocm, "7.1")};
    backend_override_note = "override (--rocm " + *o.rocm + ")";
  } else if (o.xpu) {
    backend_override = Backend{BackendKind::xpu, parse_backend_override("--xpu", *o.xpu, BackendKind::xpu, "2025.3")};
    backend_override_note = "override (--xpu " + *o.xpu + ")";
  }
  if (o.cpu) check_word("--cpu", *o.cpu);
  if (o.os) check_word("--os", *o.os);
  std::optional<std::vector<long>> macos_override;
  if (o.macos) macos_override = parse_override_version("--macos", *o.macos, "26.0");
  std::optional<std::vector<long>> tvm_override;
  if (o.tvm_ffi && !is_none(*o.tvm_ffi)) tvm_override = parse_override_version("--tvm-ffi", *o.tvm_ffi, "0.1 or 'none'");

  System s;

  // platform.machine() / platform.system().lower()
  struct utsname u {};
  std::string machine, sysname;
  if (::uname(&u) == 0) {
    machine = u.machine;
    sysname = strings::ascii_lower(u.sysname);
  }
  s.cpu = machine;
  s.os = sysname;
  s.sources["cpu"] = "uname";
  s.sources["os"] = "uname";
  if (o.os) {
    s.os = *o.os;
    s.sources["os"] = "override";
  }
  if (o.cpu) {
    s.cpu = *o.cpu;
    s.sources["cpu"] = "override";
  }
  if (s.os == "darwin" && s.cpu == "arm64") s.cpu = "aarch64";
  if (s.os == "windows" && s.cpu == "AMD64") s.cpu = "x86_64";

  std::string interpreter_note;
  std::vector<SearchDir> dirs = search_path(&interpreter_note);

  // torch
  std::string torch_source;
  std::optional<TorchFacts> torch;
  if (!(o.torch && is_none(*o.torch))) torch = find_torch(dirs, &torch_source);
  if (o.torch && is_none(*o.torch)) {
    s.has_torch = false;
    s.sources["torch"] = "override (none)";
  } else if (torch_override) {
    s.has_torch = true;
    s.torch_version_full = strings::trim(*o.torch);
    s.torch_version = major_minor(*torch_override);
    s.sources["torch"] = "override";
  } else if (torch) {
    s.has_torch = true;
    s.torch_version_full = torch->version_full;
    s.torch_dir = torch->dir;
    s.torch_version = torch->version;
    s.sources["torch"] = torch_source;
  } else {
    s.sources["torch"] = "not found (searched $KERNELS_TORCH_DIR, $PYTHONPATH, " + interpreter_note + ")";
  }

  // torch.compiled_with_cxx11_abi(), only on Linux.
  if (o.cxx11_abi) {
    s.torch_cxx11_abi = *o.cxx11_abi;
    s.sources["torch_cxx11_abi"] = "override";
  } else if (s.has_torch && s.os == "linux") {
    if (torch) {
      s.torch_cxx11_abi = torch->cxx11_abi;
      s.sources["torch_cxx11_abi"] = torch->abi_source;
    } else {
      s.torch_cxx11_abi = true;
      s.sources["torch_cxx11_abi"] = "assumed (torch version overridden; PyPI torch uses the C++11 ABI since 2.7)";
    }
  }

  // backend
  if (backend_override) {
    s.backend = *backend_override;
    s.sources["backend"] = backend_override_note;
  } else if (torch && s.has_torch) {
    std::string src;
    s.backend = backend_from_torch(*torch, dirs, s.os, machine, &src);
    s.sources["backend"] = src;
  } else {
    std::string src;
    s.backend = backend_from_cudart(&src);
    s.sources["backend"] = src;
  }

  // tvm-ffi
  if (o.tvm_ffi && is_none(*o.tvm_ffi)) {
    s.sources["tvm_ffi"] = "override (none)";
  } else if (tvm_override) {
    s.tvm_ffi_version_full = strings::trim(*o.tvm_ffi);
    s.tvm_ffi_version = major_minor(*tvm_override);
    s.sources["tvm_ffi"] = "override";
  } else if (auto t = find_tvm_ffi(dirs)) {
    s.tvm_ffi_version_full = t->version_full;
    s.tvm_ffi_version = t->version;
    s.sources["tvm_ffi"] = t->source;
  } else {
    s.sources["tvm_ffi"] = "not found";
  }

  // platform.mac_ver(), only on macOS.
  if (macos_override) {
    s.macos_version = macos_override;
    s.sources["macos"] = "override";
  } else if (s.os == "darwin" && sysname == "darwin") {
    std::string src;
    s.macos_version = read_macos_version(&src);
    if (s.macos_version) s.sources["macos"] = src;
  }
  return s;
}

Backend select_backend(const System& system, const std::optional<std::string>& name) {
  if (!name) return system.backend;
  std::map<std::string, Backend> supported{{"cpu", Backend{BackendKind::cpu, {}}}};
  supported[system.backend.name()] = system.backend;
  auto it = supported.find(*name);
  if (it != supported.end()) return it->second;
  std::string names;
  for (const auto& [k, v] : supported) {
    if (!names.empty()) names += ", ";
    names += k;
  }
  throw usage_error(fmt::format("Invalid backend '{}', system supported backends: {}", *name, names));
}

}  // namespace kcpp::variant

namespace kcpp::variant {

hub::UserAgentFacts user_agent_facts(const System& system) {
  hub::UserAgentFacts facts;
  facts.backend = system.backend.variant_str();
  facts.platform = system.cpu + "-" + system.os;
  facts.torch = system.torch_version_full;
  facts.tvm_ffi = system.tvm_ffi_version_full;
  facts.glibc = hub::glibc_version();
  return facts;
}

}  // namespace kcpp::variant
