#pragma once
// What a build needs besides the probed torch: the CUDA compiler (nvcc) and its version,
// and the headers of the Python that owns the torch installation. Found from files and
// by asking the tools themselves (`nvcc --version`, `python -c sysconfig…`), never guessed.
#include <filesystem>
#include <optional>
#include <string>

#include "variant/variant.hpp"

namespace kcpp::builder {

struct CudaToolkit {
  std::filesystem::path nvcc;         // …/bin/nvcc
  std::filesystem::path root;         // the toolkit directory (nvcc's bin/..)
  variant::MajorMinor version;        // from `nvcc --version` ("release 13.0")
  std::string source;                 // how it was found ("$CUDA_HOME", "$PATH", …)
};

struct Toolchain {
  std::optional<CudaToolkit> cuda;
  std::string cuda_note;  // why there is no toolkit, when there is none
};

// Looks for nvcc in $CUDA_HOME/bin, $CUDA_PATH/bin, $PATH, /usr/local/cuda/bin (first hit).
Toolchain probe_toolchain();

// The version in `nvcc --version` output ("Cuda compilation tools, release 13.0, V13.0.88").
std::optional<variant::MajorMinor> parse_nvcc_version(const std::string& output);

struct PythonHeaders {
  std::filesystem::path interpreter;
  std::filesystem::path include_dir;  // holds Python.h
  std::string version;                // "3.11"
};

// The Python that owns TORCH_DIR (…/lib/python3.X/site-packages/torch → …/bin/python3.X),
// else $KERNELS_PYTHON, $VIRTUAL_ENV/bin/python3, python3 on $PATH; its sysconfig include
// directory must hold Python.h. Throws kcpp::Error naming what is missing.
PythonHeaders find_python_headers(const std::filesystem::path& torch_dir);

}  // namespace kcpp::builder
