#include "builder/toolchain.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <regex>
#include <vector>

#include "builder/process.hpp"
#include "core/env.hpp"
#include "core/error.hpp"

namespace kcpp::builder {

namespace stdfs = std::filesystem;

namespace {

bool executable(const stdfs::path& p) {
  std::error_code ec;
  return stdfs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

}  // namespace

std::optional<variant::MajorMinor> parse_nvcc_version(const std::string& output) {
  static const std::regex re(R"(release (\d+)\.(\d+))");
  std::smatch m;
  if (!std::regex_search(output, m, re)) return std::nullopt;
  return variant::MajorMinor{std::stol(m[1].str()), std::stol(m[2].str())};
}

Toolchain probe_toolchain() {
  Toolchain t;
  std::vector<std::pair<stdfs::path, std::string>> candidates;
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"})
    if (auto v = env::get_nonempty(var)) candidates.emplace_back(stdfs::path(*v) / "bin" / "nvcc", std::string("$") + var);
  if (auto p = find_on_path("nvcc")) candidates.emplace_back(*p, "$PATH");
  candidates.emplace_back("/usr/local/cuda/bin/nvcc", "/usr/local/cuda");

  for (const auto& [nvcc, source] : candidates) {
    if (!executable(nvcc)) continue;
    ProcessResult r = run_process({nvcc.string(), "--version"});
    auto version = r.exit_code == 0 ? parse_nvcc_version(r.output) : std::nullopt;
    if (!version) {
      spdlog::warn("{} --version did not report a CUDA release; ignoring it", nvcc.string());
      continue;
    }
    std::error_code ec;
    stdfs::path real = stdfs::canonical(nvcc, ec);
    CudaToolkit tk;
    tk.nvcc = nvcc;
    tk.root = (ec ? nvcc : real).parent_path().parent_path();
    tk.version = *version;
    tk.source = source;
    t.cuda = tk;
    return t;
  }
  t.cuda_note = "no nvcc in $CUDA_HOME/bin, $CUDA_PATH/bin, $PATH or /usr/local/cuda/bin";
  return t;
}

PythonHeaders find_python_headers(const stdfs::path& torch_dir) {
  // Candidates: the installation that owns site-packages, then the usual interpreters.
  std::vector<std::pair<stdfs::path, std::string>> candidates;
  std::optional<std::string> owner_version;
  stdfs::path site = torch_dir.parent_path();
  stdfs::path pylib = site.parent_path();  // …/lib/python3.X
  static const std::regex pyname(R"(python(3\.\d+))");
  std::smatch m;
  std::string libname = pylib.filename().string();
  if ((site.filename() == "site-packages" || site.filename() == "dist-packages") &&
      std::regex_match(libname, m, pyname)) {
    owner_version = m[1].str();
    stdfs::path bin = pylib.parent_path().parent_path() / "bin";
    for (const std::string& name : {"python" + *owner_version, std::string("python3"), std::string("python")})
      candidates.emplace_back(bin / name, "the Python that owns " + site.string());
  }
  if (auto kp = env::get_nonempty("KERNELS_PYTHON")) candidates.emplace_back(*kp, "$KERNELS_PYTHON");
  if (auto ve = env::get_nonempty("VIRTUAL_ENV")) candidates.emplace_back(stdfs::path(*ve) / "bin" / "python3", "$VIRTUAL_ENV");
  if (auto p = find_on_path("python3")) candidates.emplace_back(*p, "python3 on $PATH");

  std::string tried;
  for (const auto& [exe, origin] : candidates) {
    if (!executable(exe)) continue;
    ProcessResult r = run_process(
        {exe.string(), "-c",
         "import sys, sysconfig; print(sysconfig.get_paths()['include']); print('%d.%d' % sys.version_info[:2])"});
    if (r.exit_code != 0) {
      tried += fmt::format("\n  {} ({}): exit {}", exe.string(), origin, r.exit_code);
      continue;
    }
    auto nl = r.output.find('\n');
    std::string include = r.output.substr(0, nl);
    std::string version = nl == std::string::npos ? "" : r.output.substr(nl + 1);
    while (!version.empty() && (version.back() == '\n' || version.back() == '\r')) version.pop_back();
    if (owner_version && version != *owner_version) {
      tried += fmt::format("\n  {} ({}): Python {}, but torch is installed for Python {}", exe.string(), origin,
                           version, *owner_version);
      continue;
    }
    std::error_code ec;
    if (!stdfs::is_regular_file(stdfs::path(include) / "Python.h", ec))
      throw Error(ErrorKind::failure,
                  fmt::format("the Python headers of {} are missing: no {}", exe.string(),
                              (stdfs::path(include) / "Python.h").string()))
          .hint(fmt::format("install the development headers of Python {} (Debian/Ubuntu: python{}-dev)", version,
                            version));
    return PythonHeaders{exe, include, version};
  }
  throw Error(ErrorKind::failure,
              fmt::format("cannot find the Python interpreter that owns the torch at {}", torch_dir.string()))
      .cause(tried.empty() ? "no candidate interpreter exists" : "tried:" + tried)
      .hint("set KERNELS_PYTHON to the python whose site-packages holds torch");
}

}  // namespace kcpp::builder
