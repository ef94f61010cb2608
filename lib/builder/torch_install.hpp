#pragma once
// What a torch extension is compiled and linked against, taken straight from the probed
// torch package directory (no find_package(Torch), no Python): its headers
// (<torch>/include, <torch>/include/torch/csrc/api/include) and libraries in <torch>/lib
// (c10 torch torch_cpu, + c10_cuda torch_cuda for CUDA). Also the builder's own
// registration.h and torch's nvcc flags.
#include <filesystem>
#include <string>
#include <vector>

#include "builder/build_toml.hpp"
#include "variant/variant.hpp"

namespace kcpp::builder {

struct TorchInstall {
  std::filesystem::path dir;
  std::vector<std::filesystem::path> include_dirs;
  std::vector<std::filesystem::path> libraries;
};

// Throws kcpp::Error listing every missing header/library; NEEDED_BY says which part of
// build.toml needs torch ("[kernel.relu] depends on torch").
TorchInstall torch_for_extension(const std::filesystem::path& torch_dir, Backend backend, const std::string& needed_by);

// registration.h for torch-ext sources: TORCH_LIBRARY_EXPAND, TORCH_LIBRARY_IMPL_EXPAND,
// STABLE_TORCH_LIBRARY_EXPAND, STABLE_TORCH_LIBRARY_IMPL_EXPAND, REGISTER_EXTENSION
// (kernels-cpp's own text of upstream's macros).
std::string registration_header();

// torch.utils.cpp_extension.COMMON_NVCC_FLAGS as upstream's get_torch_gpu_compiler_flags
// adjusts them (CUDA >= 11.8: the __CUDA_NO_HALF* defines removed, -DENABLE_FP8 added).
// Hard-coded because reading them would mean starting Python with torch.
std::vector<std::string> torch_nvcc_flags(variant::MajorMinor cuda);

}  // namespace kcpp::builder
