#include "builder/variant_build.hpp"

#include <cstdlib>
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>

#include "builder/cmake_project.hpp"
#include "builder/cuda_archs.hpp"
#include "builder/metadata_json.hpp"
#include "builder/process.hpp"
#include "builder/python_package.hpp"
#include "builder/torch_install.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"

namespace kcpp::builder {

namespace stdfs = std::filesystem;

namespace {

void write_text(const stdfs::path& p, const std::string& text) {
  std::error_code ec;
  stdfs::create_directories(p.parent_path(), ec);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw Error(ErrorKind::io, fmt::format("cannot write {}", p.string()));
}

bool is_header(const stdfs::path& p) {
  static const std::vector<std::string> kHeaders = {".h", ".hh", ".hpp", ".hxx", ".cuh", ".inc", ".inl", ".metal"};
  return std::find(kHeaders.begin(), kHeaders.end(), p.extension().string()) != kHeaders.end();
}

std::string where(const BuildConfig& c, TextPosition p) {
  return fmt::format("{}:{}:{}", c.path.string(), p.line, p.column);
}

// Sources of a build.toml list, made absolute; every one must exist.
std::vector<stdfs::path> resolve_sources(const VariantBuild& b, const std::vector<std::string>& src,
                                         const std::string& owner, TextPosition at) {
  std::vector<stdfs::path> out;
  for (const auto& s : src) {
    stdfs::path p = (b.kernel_dir / s).lexically_normal();
    std::error_code ec;
    if (!stdfs::is_regular_file(p, ec))
      throw Error(ErrorKind::failure, fmt::format("{}: {} lists `{}`, which does not exist ({})", where(b.config, at),
                                                  owner, s, p.string()))
          .hint("source paths in build.toml are relative to the kernel directory");
    out.push_back(p);
  }
  return out;
}

std::vector<stdfs::path> resolve_includes(const VariantBuild& b, const std::optional<std::vector<std::string>>& inc) {
  std::vector<stdfs::path> out;
  for (const auto& i : inc.value_or(std::vector<std::string>{})) out.push_back((b.kernel_dir / i).lexically_normal());
  return out;
}

// -static-global-template-stub is unknown to nvcc before 12.8 (upstream drops it there).
std::vector<std::string> cuda_flags_for(const std::vector<std::string>& flags, variant::MajorMinor cuda) {
  if (cuda >= variant::MajorMinor{12, 8}) return flags;
  static const std::regex stub("-static-global-template-stub=(true|false)");
  std::vector<std::string> out;
  for (const auto& f : flags) {
    std::string g = std::regex_replace(f, stub, "");
    if (!g.empty()) out.push_back(g);
  }
  return out;
}

struct Units {
  std::vector<CompileUnit> units;
  std::vector<std::vector<std::string>> archs;  // per CUDA kernel
  std::string needs_torch;                      // who needs torch headers, empty if nobody
};

Units compile_units(const VariantBuild& b) {
  const BuildConfig& c = b.config;
  const Backend backend = b.candidate.backend;
  Units out;
  if (!c.framework.src.empty()) {
    CompileUnit u;
    u.label = "[torch] src";
    u.sources = resolve_sources(b, c.framework.src, "[torch] src", TextPosition{1, 1});
    u.includes = resolve_includes(b, c.framework.include);
    u.cxx_flags = c.framework.cxx_flags.value_or(std::vector<std::string>{});
    out.units.push_back(u);
    out.needs_torch = fmt::format("[torch] src ({}) is a torch extension", c.framework.src.front());
  }
  for (const Kernel* k : c.kernels_for(backend)) {
    for (const auto& dep : k->depends)
      if (dep != "torch")
        throw Error(ErrorKind::failure, fmt::format("{}: [kernel.{}] depends on `{}`, which kernels-cpp cannot provide yet",
                                                    where(c, k->where), k->name, dep))
            .hint("kernels-cpp builds kernels whose only dependency is torch");
    if (backend == Backend::cuda && k->cuda_minver && b.candidate.cuda &&
        *parse_dotted_version(b.candidate.cuda->str()) < *k->cuda_minver) {
      spdlog::warn("skipping [kernel.{}]: it needs CUDA {} (cuda-minver), this build uses CUDA {}", k->name,
                   k->cuda_minver->str(), b.candidate.cuda->str());
      continue;
    }
    CompileUnit u;
    u.label = fmt::format("[kernel.{}] ({})", k->name, backend_name(backend));
    u.sources = resolve_sources(b, k->src, "[kernel." + k->name + "] src", k->where);
    u.includes = resolve_includes(b, k->include);
    u.cxx_flags = k->cxx_flags.value_or(std::vector<std::string>{});
    if (backend == Backend::cuda) {
      u.cuda_archs = kernel_cuda_archs(k->cuda_capabilities ? &*k->cuda_capabilities : nullptr, *b.candidate.cuda);
      if (u.cuda_archs.empty()) {
        std::string caps, supported;
        for (const auto& a : *k->cuda_capabilities) caps += (caps.empty() ? "" : ";") + a;
        for (const auto& a : strip_ptx(default_cuda_archs(*b.candidate.cuda))) supported += (supported.empty() ? "" : ";") + a;
        throw Error(ErrorKind::failure,
                    fmt::format("{}: CUDA kernel: {}, empty set of capabilities after intersection (kernel: {}, "
                                "supported: {})",
                                where(c, k->where), k->name, caps, supported))
            .hint(fmt::format("list capabilities CUDA {} can compile in cuda-capabilities", b.candidate.cuda->str()));
      }
      u.gencode = gencode_flags(u.cuda_archs);
      u.cuda_flags = cuda_flags_for(k->cuda_flags.value_or(std::vector<std::string>{}), *b.candidate.cuda);
      out.archs.push_back(u.cuda_archs);
    }
    if (k->depends_on("torch") && out.needs_torch.empty())
      out.needs_torch = fmt::format("[kernel.{}] depends on torch", k->name);
    out.units.push_back(u);
  }
  std::size_t compiled = 0;
  for (const auto& u : out.units)
    compiled += std::count_if(u.sources.begin(), u.sources.end(), [](const stdfs::path& p) { return !is_header(p); });
  if (compiled == 0)
    throw Error(ErrorKind::failure, fmt::format("nothing to compile for {}: [torch] src is empty and no [kernel.*] "
                                                "section with backend = \"{}\" has a source file",
                                                b.candidate.name, backend_name(backend)))
        .hint(fmt::format("add a [kernel.<name>] section with backend = \"{}\", or remove \"{}\" from "
                          "general.backends",
                          backend_name(backend), backend_name(backend)));
  return out;
}

std::string cached_generator(const stdfs::path& build_dir) {
  std::ifstream in(build_dir / "CMakeCache.txt");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("CMAKE_GENERATOR:INTERNAL=")) return line.substr(25);
  return {};
}

// Runs one build step; on failure throws with the output tail and how to reproduce.
void step(const VariantBuild& b, const std::vector<std::string>& argv, const stdfs::path& log, const char* what,
          const std::vector<std::string>& reproduce) {
  if (b.verbose) fmt::print(stderr, "$ {}\n", quote_command(argv));
  ProcessResult r = run_process(argv, ProcessOptions{log, b.verbose});
  if (r.exit_code == 0) return;
  Error e(ErrorKind::failure, fmt::format("building {} failed: {} exited with status {}", b.candidate.name, what,
                                          r.exit_code));
  if (!b.verbose) e.cause("last lines of the output:\n" + tail_lines(r.output, 40));
  std::string again;
  for (const auto& line : reproduce) again += "\n    " + line;
  e.hint("the full output is in " + log.string());
  e.hint("to reproduce, run:" + again);
  throw e;
}

// Removes a staging directory unless released.
struct StageGuard {
  stdfs::path dir;
  bool keep = false;
  ~StageGuard() {
    std::error_code ec;
    if (!keep && !dir.empty()) stdfs::remove_all(dir, ec);
  }
};

}  // namespace

stdfs::path build_variant(const VariantBuild& b) {
  const BuildConfig& c = b.config;
  const Backend backend = b.candidate.backend;
  const std::string& variant = b.candidate.name;
  const std::string python_name = c.general.python_name();
  const std::string id = ops_id(python_name, backend_name(backend), b.unique_id);
  const std::string library_file = id + ".abi3.so";
  for (const auto& note : b.candidate.notes) spdlog::warn("{}: {}", variant, note);

  check_package_layout(b.kernel_dir, python_name);
  Units units = compile_units(b);
  const bool torch_extension = !units.needs_torch.empty();

  CMakeProject p;
  p.target = id;
  p.variant = variant;
  p.cuda = backend == Backend::cuda;
  p.units = units.units;
  const auto torch = torch_release(b.system);
  p.cxx_standard = torch && *torch < *parse_dotted_version("2.12") ? 17 : 20;
  p.definitions = {"TORCH_EXTENSION_NAME=" + id};
  if (backend == Backend::cpu) p.definitions.push_back("CPU_KERNEL");
  if (backend == Backend::cuda) {
    p.definitions.push_back("USE_CUDA=1");
    p.definitions.push_back("CUDA_KERNEL");
    p.cuda_common_flags = torch_nvcc_flags(*b.candidate.cuda);
  }
  p.definitions.push_back(fmt::format("_GLIBCXX_USE_CXX11_ABI={}", b.system.torch_cxx11_abi.value_or(true) ? 1 : 0));
  if (b.candidate.stable_abi) {
    const auto& v = b.candidate.stable_abi->parts;
    std::uint64_t major = v.empty() ? 0 : v[0], minor = v.size() > 1 ? v[1] : 0;
    p.definitions.push_back(fmt::format("TORCH_TARGET_VERSION={:#x}", (major << 56) | (minor << 48)));
  }

  const stdfs::path work = b.kernel_dir / "build" / ".kcpp-work" / variant;
  const stdfs::path cmake_build = work / "cmake-build";
  write_text(work / "include" / "registration.h", registration_header());
  p.include_dirs.push_back(work / "include");
  std::error_code ec;
  if (stdfs::is_directory(b.kernel_dir / "csrc", ec)) p.include_dirs.push_back(b.kernel_dir / "csrc");
  if (torch_extension) {
    TorchInstall t = torch_for_extension(*b.system.torch_dir, backend, units.needs_torch);
    PythonHeaders py = find_python_headers(*b.system.torch_dir);
    spdlog::info("{}: torch {} at {}, Python {} headers at {}", variant, b.system.torch_version_full.value_or("?"),
                 t.dir.string(), py.version, py.include_dir.string());
    p.definitions.push_back("Py_LIMITED_API=3");
    p.include_dirs.insert(p.include_dirs.end(), t.include_dirs.begin(), t.include_dirs.end());
    p.include_dirs.push_back(py.include_dir);
    p.link_libraries = t.libraries;
  } else {
    spdlog::info("{}: no torch extension (empty [torch] src, no kernel depends on torch): building a plain C-ABI "
                 "library for ctypes",
                 variant);
  }

  auto cmake = find_on_path("cmake");
  if (!cmake) throw Error(ErrorKind::failure, "cmake not found on $PATH").hint("install CMake 3.22 or newer");
  const std::string generator = find_on_path("ninja") ? "Ninja" : "Unix Makefiles";
  std::vector<std::string> configure = {cmake->string(), "-S", work.string(), "-B", cmake_build.string(),
                                        "-G", generator, "-DCMAKE_BUILD_TYPE=Release"};
  if (p.cuda) {
    configure.push_back("-DCMAKE_CUDA_COMPILER=" + b.toolchain.cuda->nvcc.string());
    // One host compiler for everything: CUDAHOSTCXX when set, else the g++ nvcc itself would
    // use. $CXX alone is not trusted here: a second GCC (say /opt/gcc) for the .cpp files and
    // the link can put its own static libstdc++ into the extension, which then crashes
    // inside torch as soon as an exception or std::string crosses into libtorch.
    std::optional<stdfs::path> host;
    if (const char* env = std::getenv("CUDAHOSTCXX"); env && *env) host = stdfs::path(env);
    if (!host) host = find_on_path("g++");
    if (host) {
      configure.push_back("-DCMAKE_CXX_COMPILER=" + host->string());
      configure.push_back("-DCMAKE_CUDA_HOST_COMPILER=" + host->string());
    }
  }
  std::vector<std::string> build = {cmake->string(), "--build", cmake_build.string()};
  if (b.jobs > 0) build.insert(build.end(), {"--parallel", std::to_string(b.jobs)});
  if (b.verbose) build.push_back("--verbose");
  std::vector<std::string> build_verbose = build;
  if (!b.verbose) build_verbose.push_back("--verbose");
  p.reproduce = {quote_command(configure), quote_command(build_verbose)};
  write_text(work / "CMakeLists.txt", render_cmakelists(p));

  const std::string cached = cached_generator(cmake_build);
  if (!cached.empty() && cached != generator) stdfs::remove_all(cmake_build, ec);
  const stdfs::path log = work / "build.log";
  stdfs::remove(log, ec);
  spdlog::info("{}: building in {}", variant, work.string());
  step(b, configure, log, "cmake (configure)", p.reproduce);
  step(b, build, log, "cmake --build", p.reproduce);
  const stdfs::path library = cmake_build / "out" / library_file;
  if (!stdfs::is_regular_file(library, ec))
    throw Error(ErrorKind::failure, fmt::format("the build finished but {} is missing", library.string()))
        .hint("see " + log.string());

  // Assemble the variant directory beside its final place, digest last, then rename.
  const stdfs::path build_root = b.kernel_dir / "build";
  StageGuard stage{build_root / fmt::format(".kcpp-tmp-{}-{}", variant, fs::random_hex(4))};
  copy_package(b.kernel_dir / "torch-ext" / python_name, stage.dir, c.framework.data_extensions());
  write_text(stage.dir / "_ops.py",
             ops_py(id, torch_extension ? OpsBinding::torch_extension : OpsBinding::ctypes_library, library_file));
  stdfs::copy_file(library, stage.dir / library_file, stdfs::copy_options::overwrite_existing);
  write_text(stage.dir / python_name / "__init__.py", compat_init_py(python_name));
  MetadataFields fields;
  fields.id = id;
  fields.backend = std::string(backend_name(backend));
  if (backend == Backend::cuda) fields.archs = metadata_archs(units.archs);
  if (b.git) fields.kernel = GitProvenance{b.git->commit, b.git->dirty};
  ordered_json metadata = with_digest(make_metadata(c, backend, fields), digest_of(stage.dir));
  write_text(stage.dir / "metadata.json", render_metadata(metadata));

  const stdfs::path final_dir = build_root / variant;
  stdfs::path old;
  if (stdfs::exists(final_dir, ec)) {
    old = build_root / fmt::format(".kcpp-old-{}-{}", variant, fs::random_hex(4));
    stdfs::rename(final_dir, old);
  }
  try {
    stdfs::rename(stage.dir, final_dir);
  } catch (const stdfs::filesystem_error& e) {
    if (!old.empty()) stdfs::rename(old, final_dir, ec);  // put the previous build back
    throw Error(ErrorKind::io, fmt::format("cannot move the new build into {}: {}", final_dir.string(), e.what()));
  }
  stage.keep = true;
  if (!old.empty()) stdfs::remove_all(old, ec);
  return final_dir;
}

}  // namespace kcpp::builder
