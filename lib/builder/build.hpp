#pragma once
// `kernel-builder build` without Nix: for each variant this machine can build (see
// variant_plan.hpp), generate a CMake project under KERNEL_DIR/build/.kcpp-work/<variant>/,
// compile every [kernel.<name>] of the variant's backend plus [torch] src into one
// library `_<python_name>_<backend>_<unique>.abi3.so` with the host C++ compiler / nvcc
// against the probed torch, and publish KERNEL_DIR/build/<variant>/ (Python package,
// _ops.py, the library, the <python_name>/ compat package, metadata.json with digest and
// provenance). The variant directory is assembled beside it and renamed into place, so
// it is never seen half-written.
//
// A kernel whose [torch] src is empty and whose kernels do not depend on torch is built as
// a plain C-ABI shared library (no torch or Python headers needed) and its _ops.py loads
// it with ctypes — a kernels-cpp extension of upstream's behaviour.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "builder/toolchain.hpp"
#include "variant/system.hpp"

namespace kcpp::builder {

struct BuildOptions {
  std::filesystem::path kernel_dir;
  std::optional<std::string> variant;  // build only this one (must be buildable here)
  int jobs = 0;                        // parallel compile jobs; 0 = the build tool's default
  bool verbose = false;                // print the cmake/compiler commands and stream their output
};

struct BuildResult {
  std::filesystem::path build_dir;    // KERNEL_DIR/build
  std::vector<std::string> variants;  // built, in build.toml's backend order
};

// Throws kcpp::Error: usage ("Unknown variant `V`.\nValid variants are: …", with a cause
// per variant that cannot be built here and why), parse (build.toml), failure (missing
// torch headers, compiler errors with the output tail and the command to reproduce).
// The KERNEL_DIR argument of every kernel-builder command (upstream's
// check_or_infer_kernel_dir): empty → the current directory; otherwise it must be a
// directory (usage error). Returned as given, not made absolute.
std::filesystem::path kernel_dir_argument(const std::string& arg);

BuildResult build_kernel(const BuildOptions& options, const variant::System& system);
BuildResult build_kernel(const BuildOptions& options, const variant::System& system, const Toolchain& toolchain);

}  // namespace kcpp::builder
