#pragma once
// The CMake project kernel-builder generates for one variant (written to
// KERNEL_DIR/build/.kcpp-work/<variant>/CMakeLists.txt, so it can be read and rebuilt by
// hand). Everything is explicit — include directories, definitions, libraries by full
// path, per-source -gencode flags — and find_package(Torch) is never used: the probed
// torch may be a wheel without its CMake config, and the build must not start Python.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kcpp::builder {

// Sources sharing settings: one [kernel.<name>] section, or [torch] src.
struct CompileUnit {
  std::string label;                                // "[kernel.relu] (cuda)", "[torch] src"
  std::vector<std::filesystem::path> sources;       // absolute
  std::vector<std::filesystem::path> includes;      // absolute; per-source INCLUDE_DIRECTORIES
  std::vector<std::string> cxx_flags;               // for the C++ sources
  std::vector<std::string> cuda_flags;              // for the CUDA sources
  std::vector<std::string> cuda_archs;              // capabilities, for the comment
  std::vector<std::string> gencode;                 // -gencode=… for the CUDA sources
};

struct CMakeProject {
  std::string target;   // the ops id; the library is <target>.abi3.so
  std::string variant;  // for the header comment
  bool cuda = false;    // enable the CUDA language (nvcc via CMAKE_CUDA_COMPILER)
  int cxx_standard = 17;
  std::vector<CompileUnit> units;
  std::vector<std::filesystem::path> include_dirs;    // whole target
  std::vector<std::string> definitions;               // NAME or NAME=VALUE
  std::vector<std::string> cuda_common_flags;         // every CUDA source (torch's COMMON_NVCC_FLAGS)
  std::vector<std::filesystem::path> link_libraries;  // full paths
  std::vector<std::string> reproduce;                 // command lines, for the header comment
};

std::string render_cmakelists(const CMakeProject& project);

// A CMake bracket-free quoted argument ("…" with \ " $ ; escaped).
std::string cmake_quote(const std::string& s);

}  // namespace kcpp::builder
