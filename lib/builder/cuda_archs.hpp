#pragma once
// CUDA capabilities as upstream's CMake helpers choose them for a redistributable build
// (kernel-builder templates: preamble.cmake's default list per CUDA version, utils.cmake's
// cuda_archs_loose_intersection and set_gencode_flags_for_srcs, kernel.cmake's
// accumulate_gpu_archs). Capabilities are strings: "8.0", "9.0a", "10.0f", "12.0+PTX".
#include <string>
#include <vector>

#include "variant/variant.hpp"

namespace kcpp::builder {

// CUDA_DEFAULT_KERNEL_ARCHS for a toolkit version (the last entry carries +PTX).
std::vector<std::string> default_cuda_archs(variant::MajorMinor cuda);

// The defaults without +PTX suffixes (upstream's CUDA_ARCHS, the intersection target).
std::vector<std::string> strip_ptx(const std::vector<std::string>& archs);

// { max{ s in SRC | s <= t, same major unless s has +PTX } | t in TGT }, plus x.ya/x.yf
// entries of SRC whose base x.y is in TGT; +PTX re-applied; naturally sorted.
std::vector<std::string> cuda_archs_loose_intersection(const std::vector<std::string>& src,
                                                       const std::vector<std::string>& tgt);

// The archs one [kernel.<name>] compiles for: its `cuda-capabilities` intersected with the
// defaults, or the defaults when it has none. Empty means upstream's configure error
// ("empty set of capabilities after intersection").
std::vector<std::string> kernel_cuda_archs(const std::vector<std::string>* capabilities, variant::MajorMinor cuda);

// nvcc flags for ARCHS: "-gencode=arch=compute_90a,code=sm_90a", and for "X+PTX" also
// "-gencode=arch=compute_X,code=compute_X".
std::vector<std::string> gencode_flags(const std::vector<std::string>& archs);

// metadata.json backend.archs: the union of every kernel's archs, sorted as strings
// (upstream: CMake list SORT, then Python sorted(set(...))).
std::vector<std::string> metadata_archs(const std::vector<std::vector<std::string>>& per_kernel);

}  // namespace kcpp::builder
