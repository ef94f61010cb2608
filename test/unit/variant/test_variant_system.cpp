// System probing from files (fake torch trees in temp dirs), overrides, select_backend.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "variant/system.hpp"

using namespace kcpp;
using namespace kcpp::variant;
namespace stdfs = std::filesystem;

namespace {

// Sets environment variables for one test and restores every touched one afterwards.
class EnvGuard {
 public:
  EnvGuard() {
    // Start from a known state: nothing that points the probe at a real Python.
    for (const char* name : {"KERNELS_TORCH_DIR", "PYTHONPATH", "KERNELS_PYTHON", "VIRTUAL_ENV", "PYENV_VERSION",
                             "ASCEND_TOOLKIT_HOME", "ASCEND_HOME_PATH", "PYTHONNOUSERSITE"})
      unset(name);
  }
  ~EnvGuard() {
    for (const auto& [name, value] : saved_) {
      if (value) ::setenv(name.c_str(), value->c_str(), 1);
      else ::unsetenv(name.c_str());
    }
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

  void set(const std::string& name, const std::string& value) {
    save(name);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  void unset(const std::string& name) {
    save(name);
    ::unsetenv(name.c_str());
  }

 private:
  void save(const std::string& name) {
    if (saved_.count(name)) return;
    const char* v = std::getenv(name.c_str());
    saved_[name] = v ? std::optional<std::string>(v) : std::nullopt;
  }
  std::map<std::string, std::optional<std::string>> saved_;
};

void write(const stdfs::path& p, const std::string& content) {
  stdfs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << content;
}

std::string py_opt(const std::optional<std::string>& v) { return v ? "'" + *v + "'" : "None"; }

// A torch package directory laid out like a real one (see test/support/fake_torch.py).
stdfs::path make_torch(const stdfs::path& site, const std::string& version, std::optional<std::string> cuda = {},
                       std::optional<std::string> hip = {}, std::optional<std::string> xpu = {},
                       std::optional<int> cmake_abi = 1) {
  stdfs::path torch = site / "torch";
  write(torch / "__init__.py", "from .version import __version__\n");
  write(torch / "version.py",
        "from typing import Optional\n\n"
        "__all__ = ['__version__', 'debug', 'cuda', 'git_version', 'hip', 'xpu']\n"
        "__version__ = '" + version + "'\n"
        "debug = False\n"
        "cuda: Optional[str] = " + py_opt(cuda) + "\n"
        "git_version = '5811a8d7da873dd699ff6687092c225caffcf1bb'\n"
        "hip: Optional[str] = " + py_opt(hip) + "\n"
        "xpu: Optional[str] = " + py_opt(xpu) + "\n");
  if (cmake_abi) {
    write(torch / "share" / "cmake" / "Torch" / "TorchConfig.cmake",
          "# When we build libtorch with the old libstdc++ ABI, dependent libraries must too.\n"
          "if(CMAKE_SYSTEM_NAME STREQUAL \"Linux\")\n"
          "  set(TORCH_CXX_FLAGS \"-D_GLIBCXX_USE_CXX11_ABI=" + std::to_string(*cmake_abi) + "\")\n"
          "endif()\n");
  }
  return torch;
}

// An empty virtual env; pointing KERNELS_PYTHON at it keeps the real machine's Python out.
stdfs::path make_venv(const stdfs::path& root, const std::string& version = "3.11.7") {
  write(root / "pyvenv.cfg", "home = /nonexistent/bin\ninclude-system-site-packages = false\nversion = " + version + "\n");
  write(root / "bin" / "python3", "");
  std::string short_ver = version.substr(0, version.rfind('.'));
  stdfs::path site = root / "lib" / ("python" + short_ver) / "site-packages";
  stdfs::create_directories(site);
  return site;
}

// An override set built in place (no designated initialisers: -Wmissing-field-initializers).
template <class F>
ProbeOverrides ov(F f) {
  ProbeOverrides o;
  f(o);
  return o;
}

bool is_linux() {
  ProbeOverrides none;
  return probe(none).os == "linux";
}

}  // namespace

TEST_CASE("probe reads torch from $KERNELS_TORCH_DIR", "[variant][system]") {
  fs::TempDir tmp("kcpp-variant");
  EnvGuard env;
  env.set("KERNELS_PYTHON", (make_venv(tmp.path() / "venv"), (tmp.path() / "venv" / "bin" / "python3").string()));
  auto torch = make_torch(tmp.path() / "elsewhere", "2.11.0+cu130", "13.0");
  env.set("KERNELS_TORCH_DIR", torch.string());

  System s = probe();
  CHECK(s.has_torch);
  CHECK(s.torch_version_full == std::optional<std::string>("2.11.0+cu130"));
  CHECK(s.torch_version == std::optional<MajorMinor>(MajorMinor{2, 11}));
  CHECK(s.backend == Backend{BackendKind::cuda, {13, 0}});
  CHECK_THAT(s.sources.at("torch"), Catch::Contains((torch / "version.py").string()));
  CHECK_THAT(s.sources.at("backend"), Catch::Contains("cuda = '13.0'"));
  if (s.os == "linux") {
    CHECK(s.torch_cxx11_abi == std::optional<bool>(true));
    CHECK_THAT(s.sources.at("torch_cxx11_abi"), Catch::Contains("TorchConfig.cmake"));
  } else {
    CHECK_FALSE(s.torch_cxx11_abi.has_value());
  }
  CHECK_FALSE(s.cpu.empty());
  CHECK_FALSE(s.os.empty());
}

TEST_CASE("probe finds torch on $PYTHONPATH, first entry wins", "[variant][system]") {
  fs::TempDir tmp("kcpp-variant");
  EnvGuard env;
  make_venv(tmp.path() / "venv");
  env.set("KERNELS_PYTHON", (tmp.path() / "venv" / "bin" / "python3").string());
  stdfs::create_directories(tmp.path() / "empty");
  make_torch(tmp.path() / "a", "2.10.0a0+git1234", "12.6");
  make_torch(tmp.path() / "b", "2.9.1", "12.8");
  env.set("PYTHONPATH", (tmp.path() / "missing").string() + "::" + (tmp.path() / "empty").string() + ":" +
                            (tmp.path() / "a").string() + ":" + (tmp.path() / "b").string());
  System s = probe();
  CHECK(s.torch_version == std::optional<MajorMinor>(MajorMinor{2, 10}));
  CHECK(s.torch_version_full == std::optional<std::string>("2.10.0a0+git1234"));
  CHECK(s.backend == Backend{BackendKind::cuda, {12, 6}});
  CHECK_THAT(s.sources.at("torch"), Catch::Contains("PYTHONPATH"));

  // $KERNELS_TORCH_DIR takes precedence over $PYTHONPATH.
  env.set("KERNELS_TORCH_DIR", (tmp.path() / "b" / "torch").string());
  s = probe();
  CHECK(s.torch_version == std::optional<MajorMinor>(MajorMinor{2, 9}));
  CHECK(s.backend == Backend{BackendKind::cuda, {12, 8}});

  // A KERNELS_TORCH_DIR without version.py is ignored.
  env.set("KERNELS_TORCH_DIR", (tmp.path() / "empty").string());
  s = probe();
  CHECK(s.torch_version == std::optional<MajorMinor>(MajorMinor{2, 10}));
}

TEST_CASE("probe finds torch in an interpreter's site-packages", "[variant][system]") {
  fs::TempDir tmp("kcpp-variant");
  EnvGuard env;
  SECTION("$KERNELS_PYTHON inside a venv (pyvenv.cfg version picks lib/python3.X)") {
    auto site = make_venv(tmp.path() / "venv", "3.12.1");
    make_torch(site, "2.11.0", "13.0");
    env.set("KERNELS_PYTHON", (tmp.path() / "venv" / "bin" / "python3").string());
    System s = probe();
    CHECK(s.torch_version == std::optional<MajorMinor>(MajorMinor{2, 11}));
    CHECK_THAT(s.sources.at("torch"), Catch::Contains("KERNELS_PYTHON"));
  }
  SECTION("$VIRTUAL_ENV") {
    auto site = make_venv(tmp.path() / "venv");
    make_torch(site, "2.9.0", std::nullopt, "7.1.25424-4179531dcd");
    env.set("VIRTUAL_ENV", (tmp.path() / "venv").string());
    System s = probe();
    CHECK(s.torch_version == std::optional<MajorMinor>(MajorMinor{2, 9}));
    CHECK(s.backend == Backend{BackendKind::rocm, {7, 1}});
    CHECK_THAT(s.sources.at("torch"), Catch::Contains("VIRTUAL_ENV"));
  }
  SECTION("a non-venv prefix reached through a symlinked python3 (glob of lib/python3.*)") {
    stdfs::path prefix = tmp.path() / "prefix";
    write(prefix / "bin" / "python3.13", "");
    make_torch(prefix / "lib" / "python3.13" / "site-packages", "2.12.0", "13.2");
    stdfs::create_directories(tmp.path() / "bin");
    stdfs::create_symlink(prefix / "bin" / "python3.13", tmp.path() / "bin" / "python3");
    env.set("HOME", (tmp.path() / "home").string());
    env.set("KERNELS_PYTHON", (tmp.path() / "bin" / "python3").string());
    System s = probe();
    CHECK(s.torch_version == std::optional<MajorMinor>(MajorMinor{2, 12}));
    CHECK(s.backend == Backend{BackendKind::cuda, {13, 2}});
  }
  SECTION("Debian layout: lib/python3/dist-packages") {
    stdfs::path prefix = tmp.path() / "usr";
    write(prefix / "bin" / "python3", "");
    make_torch(prefix / "lib" / "python3" / "dist-packages", "2.10.0", std::nullopt);
    env.set("HOME", (tmp.path() / "home").string());
    env.set("KERNELS_PYTHON", (prefix / "bin" / "python3").string());
    System s = probe();
    CHECK(s.torch_version == std::optional<MajorMinor>(MajorMinor{2, 10}));
  }
  SECTION("a path from a .pth file") {
    auto site = make_venv(tmp.path() / "venv");
    make_torch(tmp.path() / "src", "2.8.0", "12.9");
    write(site / "__editable__.torch.pth", "# comment\nimport sys\n" + (tmp.path() / "src").string() + "\n");
    env.set("KERNELS_PYTHON", (tmp.path() / "venv" / "bin" / "python3").string());
    System s = probe();
    CHECK(s.torch_version == std::optional<MajorMinor>(MajorMinor{2, 8}));
    CHECK(s.backend == Backend{BackendKind::cuda, {12, 9}});
  }
}

TEST_CASE("probe follows python3 on $PATH, through pyenv shims", "[variant][system]") {
  fs::TempDir tmp("kcpp-variant");
  EnvGuard env;
  env.set("HOME", (tmp.path() / "home").string());
  auto executable = [](const stdfs::path& p) {
    write(p, "#!/bin/sh\n");
    stdfs::permissions(p, stdfs::perms::owner_all, stdfs::perm_options::add);
  };
  SECTION("a symlinked python3") {
    stdfs::path prefix = tmp.path() / "opt" / "py";
    executable(prefix / "bin" / "python3.12");
    make_torch(prefix / "lib" / "python3.12" / "site-packages", "2.10.1", "12.8");
    make_torch(prefix / "lib" / "python3.11" / "site-packages", "2.9.0", "12.8");  // another version's
    stdfs::create_directories(tmp.path() / "bin");
    stdfs::create_symlink(prefix / "bin" / "python3.12", tmp.path() / "bin" / "python3");
    env.set("PATH", (tmp.path() / "nothing").string() + ":" + (tmp.path() / "bin").string());
    System s = probe();
    CHECK(s.torch_version == std::optional<MajorMinor>(MajorMinor{2, 10}));
    CHECK_THAT(s.sources.at("torch"), Catch::Contains("python3.12/site-packages"));
  }
  SECTION("a pyenv shim runs $PYENV_VERSION's interpreter") {
    stdfs::path root = tmp.path() / "pyenv";
    executable(root / "shims" / "python3");
    executable(root / "versions" / "3.12.1" / "bin" / "python3");
    executable(root / "versions" / "3.11.7" / "bin" / "python3");
    make_torch(root / "versions" / "3.12.1" / "lib" / "python3.12" / "site-packages", "2.11.0", "13.0");
    write(root / "version", "3.11.7\n");
    env.set("PYENV_VERSION", "3.12.1");
    env.set("PATH", (root / "shims").string());
    System s = probe();
    CHECK(s.torch_version == std::optional<MajorMinor>(MajorMinor{2, 11}));
    env.set("PYENV_VERSION", "3.11.7");
    CHECK_FALSE(probe().has_torch);
  }
  SECTION("a user site directory comes first for a non-venv interpreter") {
    stdfs::path prefix = tmp.path() / "usr";
    executable(prefix / "bin" / "python3.11");
    make_torch(prefix / "lib" / "python3.11" / "site-packages", "2.9.0", "12.8");
    make_torch(tmp.path() / "home" / ".local" / "lib" / "python3.11" / "site-packages", "2.10.0", "12.8");
    env.set("KERNELS_PYTHON", (prefix / "bin" / "python3.11").string());
    CHECK(probe().torch_version == std::optional<MajorMinor>(MajorMinor{2, 10}));
    env.set("PYTHONNOUSERSITE", "1");
    CHECK(probe().torch_version == std::optional<MajorMinor>(MajorMinor{2, 9}));
  }
}

TEST_CASE("torch's C++ ABI comes from TorchConfig.cmake, else libc10.so", "[variant][system]") {
  if (!is_linux()) return;  // compiled_with_cxx11_abi() only counts on Linux
  fs::TempDir tmp("kcpp-variant");
  EnvGuard env;
  make_venv(tmp.path() / "venv");
  env.set("KERNELS_PYTHON", (tmp.path() / "venv" / "bin" / "python3").string());

  SECTION("TorchConfig.cmake =0") {
    env.set("KERNELS_TORCH_DIR", make_torch(tmp.path(), "2.5.1", "12.4", {}, {}, 0).string());
    CHECK(probe().torch_cxx11_abi == std::optional<bool>(false));
  }
  SECTION("TorchConfig.cmake =1") {
    env.set("KERNELS_TORCH_DIR", make_torch(tmp.path(), "2.5.1", "12.4", {}, {}, 1).string());
    CHECK(probe().torch_cxx11_abi == std::optional<bool>(true));
  }
  SECTION("libc10.so with cxx11-tagged symbols") {
    auto torch = make_torch(tmp.path(), "2.6.0", "12.4", {}, {}, std::nullopt);
    std::string blob(3 << 20, 'x');  // spans several read chunks; tag across a boundary
    blob.replace((1 << 20) - 3, 7, "B5cxx11");
    write(torch / "lib" / "libc10.so", blob);
    env.set("KERNELS_TORCH_DIR", torch.string());
    System s = probe();
    CHECK(s.torch_cxx11_abi == std::optional<bool>(true));
    CHECK_THAT(s.sources.at("torch_cxx11_abi"), Catch::Contains("libc10.so"));
  }
  SECTION("libc10.so without") {
    auto torch = make_torch(tmp.path(), "2.6.0", "12.4", {}, {}, std::nullopt);
    write(torch / "lib" / "libc10.so", "_ZN3c106detail14torchCheckFailEPKcS2_jRKSs");
    env.set("KERNELS_TORCH_DIR", torch.string());
    CHECK(probe().torch_cxx11_abi == std::optional<bool>(false));
  }
  SECTION("no evidence: assumed C++11 ABI") {
    env.set("KERNELS_TORCH_DIR", make_torch(tmp.path(), "2.9.0", "12.8", {}, {}, std::nullopt).string());
    System s = probe();
    CHECK(s.torch_cxx11_abi == std::optional<bool>(true));
    CHECK_THAT(s.sources.at("torch_cxx11_abi"), Catch::Contains("assumed"));
  }
}

TEST_CASE("backend detection from torch follows upstream's order", "[variant][system]") {
  fs::TempDir tmp("kcpp-variant");
  EnvGuard env;
  auto site = make_venv(tmp.path() / "venv");
  env.set("KERNELS_PYTHON", (tmp.path() / "venv" / "bin" / "python3").string());
  System plain = probe(ov([](ProbeOverrides& o) { o.torch = "none"; }));
  const bool apple = plain.os == "darwin" && plain.cpu == "aarch64";

  SECTION("XPU: f\"{xpu[0:4]}.{xpu[5:6]}\"") {
    make_torch(site, "2.9.0+xpu", std::nullopt, std::nullopt, "20250300");
    System s = probe();
    if (!apple) CHECK(s.backend == Backend{BackendKind::xpu, {2025, 3}});
  }
  SECTION("CPU build") {
    make_torch(site, "2.11.0+cpu");
    System s = probe();
    if (!apple) CHECK(s.backend == Backend{BackendKind::cpu, {}});
    CHECK(s.has_torch);
  }
  SECTION("cuda wins over hip") {
    make_torch(site, "2.11.0", "12.8", "7.1");
    CHECK(probe().backend == Backend{BackendKind::cuda, {12, 8}});
  }
  SECTION("torch_tpu package → tpu, before cuda") {
    make_torch(site, "2.11.0", "12.8");
    write(site / "torch_tpu" / "__init__.py", "");
    CHECK(probe().backend == Backend{BackendKind::tpu, {}});
  }
  SECTION("torch_neuronx package → neuron, before cuda") {
    make_torch(site, "2.11.0", "12.8");
    write(site / "torch_neuronx" / "__init__.py", "");
    CHECK(probe().backend == Backend{BackendKind::neuron, {}});
  }
  SECTION("torch_npu package → cann, version from the toolkit install info") {
    make_torch(site, "2.6.0");
    write(site / "torch_npu" / "__init__.py", "");
    write(tmp.path() / "ascend" / (plain.cpu + "-linux") / "ascend_toolkit_install.info",
          "package_name=Ascend-cann-toolkit\nversion=8.1.RC1\ninnerversion=V100R001C21\n");
    env.set("ASCEND_TOOLKIT_HOME", (tmp.path() / "ascend").string());
    System s = probe();
    if (!apple) CHECK(s.backend == Backend{BackendKind::cann, {8, 1}});
  }
}

TEST_CASE("tvm-ffi version from the package", "[variant][system]") {
  fs::TempDir tmp("kcpp-variant");
  EnvGuard env;
  auto site = make_venv(tmp.path() / "venv");
  env.set("KERNELS_PYTHON", (tmp.path() / "venv" / "bin" / "python3").string());
  SECTION("absent") {
    CHECK_FALSE(probe().tvm_ffi_version.has_value());
  }
  SECTION("_version.py") {
    write(site / "tvm_ffi" / "__init__.py", "try:\n    from ._version import __version__\nexcept ImportError:\n"
                                            "    __version__ = \"0.0.0.dev0\"\n");
    write(site / "tvm_ffi" / "_version.py", "__version__ = version = '0.1.3'\n__version_tuple__ = (0, 1, 3)\n");
    System s = probe();
    CHECK(s.tvm_ffi_version == std::optional<MajorMinor>(MajorMinor{0, 1}));
    CHECK(s.tvm_ffi_version_full == std::optional<std::string>("0.1.3"));
  }
  SECTION("dist-info METADATA") {
    write(site / "tvm_ffi" / "__init__.py", "");
    write(site / "apache_tvm_ffi-0.2.0b1.dist-info" / "METADATA", "Metadata-Version: 2.1\nName: apache-tvm-ffi\nVersion: 0.2.0b1\n");
    System s = probe();
    CHECK(s.tvm_ffi_version == std::optional<MajorMinor>(MajorMinor{0, 2}));
  }
  SECTION("no _version.py: the __init__ fallback") {
    write(site / "tvm_ffi" / "__init__.py", "try:\n    from ._version import __version__\nexcept ImportError:\n"
                                            "    __version__ = \"0.0.0.dev0\"\n");
    CHECK(probe().tvm_ffi_version == std::optional<MajorMinor>(MajorMinor{0, 0}));
  }
}

TEST_CASE("without torch the backend comes from libcudart", "[variant][system]") {
  fs::TempDir tmp("kcpp-variant");
  EnvGuard env;
  make_venv(tmp.path() / "venv");
  env.set("KERNELS_PYTHON", (tmp.path() / "venv" / "bin" / "python3").string());
  System s = probe();
  CHECK_FALSE(s.has_torch);
  CHECK_FALSE(s.torch_version.has_value());
  CHECK_FALSE(s.torch_cxx11_abi.has_value());
  INFO("backend source: " << s.sources.at("backend"));
  if (s.backend.kind == BackendKind::cuda) {
    CHECK_THAT(s.sources.at("backend"), Catch::Contains("cudaRuntimeGetVersion = "));
    CHECK(s.backend.version.major >= 10);
  } else {
    CHECK(s.backend.kind == BackendKind::cpu);
  }
  // the answer does not depend on whether torch was removed by override or absent
  CHECK(probe(ov([](ProbeOverrides& o) { o.torch = "none"; })).backend == s.backend);
}

TEST_CASE("overrides replace single facts", "[variant][system]") {
  fs::TempDir tmp("kcpp-variant");
  EnvGuard env;
  make_venv(tmp.path() / "venv");
  env.set("KERNELS_PYTHON", (tmp.path() / "venv" / "bin" / "python3").string());
  env.set("KERNELS_TORCH_DIR", make_torch(tmp.path(), "2.11.0+cu130", "13.0").string());

  ProbeOverrides o;
  o.torch = "2.12";
  System s = probe(o);
  CHECK(s.has_torch);
  CHECK(s.torch_version == std::optional<MajorMinor>(MajorMinor{2, 12}));
  CHECK(s.sources.at("torch") == "override");
  CHECK(s.backend == Backend{BackendKind::cuda, {13, 0}});  // still from the real torch

  o = {};
  o.torch = "2.10.0a0+git1234";
  CHECK(probe(o).torch_version == std::optional<MajorMinor>(MajorMinor{2, 10}));

  o = {};
  o.torch = "none";
  s = probe(o);
  CHECK_FALSE(s.has_torch);
  CHECK_FALSE(s.torch_version.has_value());
  CHECK_FALSE(s.torch_version_full.has_value());
  CHECK_FALSE(s.torch_cxx11_abi.has_value());

  o = {};
  o.cuda = "12.8";
  s = probe(o);
  CHECK(s.backend == Backend{BackendKind::cuda, {12, 8}});
  CHECK_THAT(s.sources.at("backend"), Catch::Contains("override"));
  o.cuda = "cu126";
  CHECK(probe(o).backend == Backend{BackendKind::cuda, {12, 6}});

  o = {};
  o.rocm = "7.1";
  CHECK(probe(o).backend == Backend{BackendKind::rocm, {7, 1}});
  o = {};
  o.xpu = "2025.3";
  CHECK(probe(o).backend == Backend{BackendKind::xpu, {2025, 3}});

  o = {};
  o.cxx11_abi = false;
  CHECK(probe(o).torch_cxx11_abi == std::optional<bool>(false));

  o = {};
  o.cpu = "aarch64";
  o.os = "linux";
  s = probe(o);
  CHECK(s.cpu == "aarch64");
  CHECK(s.os == "linux");
  CHECK(s.torch_cxx11_abi == std::optional<bool>(true));

  o = {};
  o.os = "darwin";
  o.cpu = "arm64";  // normalised as upstream does on macOS
  o.macos = "26.0";
  s = probe(o);
  CHECK(s.cpu == "aarch64");
  CHECK_FALSE(s.torch_cxx11_abi.has_value());  // only Linux has an ABI
  CHECK(s.macos_version == std::optional<std::vector<long>>(std::vector<long>{26, 0}));

  o = {};
  o.tvm_ffi = "0.1";
  s = probe(o);
  CHECK(s.tvm_ffi_version == std::optional<MajorMinor>(MajorMinor{0, 1}));
  o.tvm_ffi = "none";
  CHECK_FALSE(probe(o).tvm_ffi_version.has_value());
}

TEST_CASE("malformed overrides are usage errors", "[variant][system]") {
  EnvGuard env;
  auto usage = [](const ProbeOverrides& o) {
    try {
      probe(o);
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::usage);
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  CHECK(usage(ov([](ProbeOverrides& o) { o.torch = "abc"; })) == "invalid --torch value 'abc': expected a version such as 2.11 or 'none'");
  CHECK(usage(ov([](ProbeOverrides& o) { o.torch = ""; })) == "invalid --torch value '': expected a version such as 2.11 or 'none'");
  CHECK(usage(ov([](ProbeOverrides& o) { o.cuda = "twelve"; })) == "invalid --cuda value 'twelve': expected a version such as 13.0");
  CHECK(usage(ov([](ProbeOverrides& o) { o.cuda = "rocm71"; })) == "invalid --cuda value 'rocm71': expected a version such as 13.0");
  CHECK(usage(ov([](ProbeOverrides& o) { o.rocm = "7.x"; })) == "invalid --rocm value '7.x': expected a version such as 7.1");
  CHECK(usage(ov([](ProbeOverrides& o) { o.rocm = "x7"; })) == "invalid --rocm value 'x7': expected a version such as 7.1");
  CHECK(usage(ov([](ProbeOverrides& o) { o.xpu = "2025/3"; })) == "invalid --xpu value '2025/3': expected a version such as 2025.3");
  CHECK(usage(ov([](ProbeOverrides& o) { o.cuda = "12.8"; o.rocm = "7.1"; })) == "--cuda, --rocm and --xpu are mutually exclusive");
  CHECK(usage(ov([](ProbeOverrides& o) { o.cpu = ""; })) == "invalid --cpu value '': expected a name without '-' or spaces");
  CHECK(usage(ov([](ProbeOverrides& o) { o.os = "linux-gnu"; })) == "invalid --os value 'linux-gnu': expected a name without '-' or spaces");
  CHECK(usage(ov([](ProbeOverrides& o) { o.macos = "sonoma"; })) == "invalid --macos value 'sonoma': expected a version such as 26.0");
  CHECK(usage(ov([](ProbeOverrides& o) { o.tvm_ffi = "latest"; })) ==
        "invalid --tvm-ffi value 'latest': expected a version such as 0.1 or 'none'");
}

TEST_CASE("select_backend follows upstream _select_backend", "[variant][system]") {
  System s;
  s.backend = Backend{BackendKind::cuda, {12, 8}};
  CHECK(select_backend(s, std::nullopt) == s.backend);
  CHECK(select_backend(s, std::string("cuda")) == s.backend);
  CHECK(select_backend(s, std::string("cpu")) == Backend{BackendKind::cpu, {}});
  auto message = [](const System& sys, const std::string& name) {
    try {
      select_backend(sys, name);
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::usage);
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  CHECK(message(s, "rocm") == "Invalid backend 'rocm', system supported backends: cpu, cuda");
  CHECK(message(s, "cu128") == "Invalid backend 'cu128', system supported backends: cpu, cuda");
  CHECK(message(s, "CUDA") == "Invalid backend 'CUDA', system supported backends: cpu, cuda");
  s.backend = Backend{BackendKind::cpu, {}};
  CHECK(message(s, "cuda") == "Invalid backend 'cuda', system supported backends: cpu");
  s.backend = Backend{BackendKind::xpu, {2025, 3}};
  CHECK(message(s, "metal") == "Invalid backend 'metal', system supported backends: cpu, xpu");
  s.backend = Backend{BackendKind::metal, {}};
  CHECK(message(s, "") == "Invalid backend '', system supported backends: cpu, metal");
  s.backend = Backend{BackendKind::cann, {8, 1}};
  CHECK(message(s, "npu") == "Invalid backend 'npu', system supported backends: cann, cpu");
}

TEST_CASE("macos_version_str is Python's str(Version)", "[variant][system]") {
  CHECK(macos_version_str(std::nullopt) == "None");
  CHECK(macos_version_str(std::vector<long>{15, 7, 1}) == "15.7.1");
  CHECK(macos_version_str(std::vector<long>{26, 0}) == "26.0");
  CHECK(macos_version_str(std::vector<long>{26}) == "26");
}
