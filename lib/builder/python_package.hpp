#pragma once
// The Python side of a build variant directory:
//   <variant>/                 the package from torch-ext/<python_name>/ (*.py and the
//                              `pyext` data extensions, as upstream's install rules glob)
//   <variant>/_ops.py          generated (ours replaces one in the sources, as upstream's
//                              configure_file does)
//   <variant>/<python_name>/__init__.py   the compat layout: lets `import <python_name>`
//                              work with <variant> on sys.path (upstream's compat.py idea)
#include <filesystem>
#include <string>
#include <vector>

namespace kcpp::builder {

// How _ops.py reaches the native code.
enum class OpsBinding {
  torch_extension,  // upstream: `from . import <id>` registers the TORCH_LIBRARY ops
  ctypes_library,   // kernels-cpp extension: a plain C-ABI library loaded with ctypes
};

// Throws kcpp::Error naming the path when torch-ext/<python_name>/__init__.py is missing or
// torch-ext/<python_name>/<python_name> exists (upstream's layout check).
void check_package_layout(const std::filesystem::path& kernel_dir, const std::string& python_name);

// Copies the package files into DEST (created). Returns the relative paths copied.
std::vector<std::string> copy_package(const std::filesystem::path& package_dir, const std::filesystem::path& dest,
                                      const std::vector<std::string>& data_extensions);

std::string ops_py(const std::string& ops_id, OpsBinding binding, const std::string& library_file);
std::string compat_init_py(const std::string& python_name);

}  // namespace kcpp::builder
