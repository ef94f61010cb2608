#include "builder/torch_install.hpp"

#include <fmt/core.h>

#include "core/error.hpp"

namespace kcpp::builder {

namespace stdfs = std::filesystem;

TorchInstall torch_for_extension(const stdfs::path& torch_dir, Backend backend, const std::string& needed_by) {
  TorchInstall t;
  t.dir = torch_dir;
  t.include_dirs = {torch_dir / "include", torch_dir / "include" / "torch" / "csrc" / "api" / "include"};
  std::vector<std::string> libs = {"c10", "torch", "torch_cpu"};
  if (backend == Backend::cuda) {
    libs.push_back("c10_cuda");
    libs.push_back("torch_cuda");
  }
  for (const auto& l : libs) t.libraries.push_back(torch_dir / "lib" / ("lib" + l + ".so"));

  std::vector<stdfs::path> missing;
  std::error_code ec;
  for (const stdfs::path& header : {t.include_dirs[0] / "torch" / "library.h", t.include_dirs[1] / "torch" / "torch.h"})
    if (!stdfs::is_regular_file(header, ec)) missing.push_back(header);
  for (const auto& lib : t.libraries)
    if (!stdfs::exists(lib, ec)) missing.push_back(lib);
  if (missing.empty()) return t;

  Error e(ErrorKind::failure,
          fmt::format("{}, but the torch at {} has no C++ development files", needed_by, torch_dir.string()));
  for (const auto& m : missing) e.cause("missing " + m.string());
  e.hint("build against a full torch installation (the PyPI wheel ships include/ and lib/); point "
         "KERNELS_TORCH_DIR, KERNELS_PYTHON or the active virtual environment at it");
  e.hint("a kernel whose [torch] src is empty and whose [kernel.*] sections have `depends = []` builds without "
         "torch headers (as a plain C-ABI library loaded with ctypes)");
  throw e;
}

std::string registration_header() {
  return R"(// registration.h, provided by kernels-cpp kernel-builder for torch-ext sources.
// TORCH_EXTENSION_NAME is a macro (the build's op namespace, e.g. _relu_cuda_1a2b3c4), so the
// torch registration macros are wrapped to expand it before they paste it into names.
#pragma once

#include <Python.h>

#define KCPP_CONCAT_IMPL(A, B) A##B
#define CONCAT(A, B) KCPP_CONCAT_IMPL(A, B)
#define KCPP_STRINGIFY_IMPL(A) #A
#define STRINGIFY(A) KCPP_STRINGIFY_IMPL(A)

#define TORCH_LIBRARY_EXPAND(NAME, MODULE) TORCH_LIBRARY(NAME, MODULE)
#define TORCH_LIBRARY_IMPL_EXPAND(NAME, DEVICE, MODULE) TORCH_LIBRARY_IMPL(NAME, DEVICE, MODULE)
#define STABLE_TORCH_LIBRARY_EXPAND(NAME, MODULE) STABLE_TORCH_LIBRARY(NAME, MODULE)
#define STABLE_TORCH_LIBRARY_IMPL_EXPAND(NAME, DEVICE, MODULE) STABLE_TORCH_LIBRARY_IMPL(NAME, DEVICE, MODULE)

// An empty Python module named NAME, so that `from . import NAME` loads the library (and
// with it the TORCH_LIBRARY registrations). Uses only the limited API (abi3).
#define REGISTER_EXTENSION(NAME)                                            \
  PyMODINIT_FUNC CONCAT(PyInit_, NAME)() {                                  \
    static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT, STRINGIFY(NAME), \
                                            nullptr, 0, nullptr};           \
    return PyModule_Create(&module_def);                                    \
  }
)";
}

std::vector<std::string> torch_nvcc_flags(variant::MajorMinor cuda) {
  if (cuda >= variant::MajorMinor{11, 8}) return {"--expt-relaxed-constexpr", "-DENABLE_FP8"};
  return {"-D__CUDA_NO_HALF_OPERATORS__", "-D__CUDA_NO_HALF_CONVERSIONS__", "-D__CUDA_NO_BFLOAT16_CONVERSIONS__",
          "-D__CUDA_NO_HALF2_OPERATORS__", "--expt-relaxed-constexpr"};
}

}  // namespace kcpp::builder
