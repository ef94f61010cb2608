#pragma once
// Turns the ABI analysis of a variant's shared objects into findings: one per violated
// rule and symbol/library, each naming the file and carrying a hint; plus the GPU rules
// (fat-binary targets vs metadata backend.archs, and whether this machine's GPU can run
// the variant).
#include <optional>
#include <string>
#include <vector>

#include "abi/analysis.hpp"
#include "abi/cuda_device.hpp"
#include "check/check.hpp"
#include "check/finding.hpp"
#include "check/variant_rules.hpp"
#include "variant/variant.hpp"

namespace kcpp::check {

struct AbiContext {
  std::string variant;
  std::optional<variant::Variant> parsed;
  const abi::ManylinuxPolicy* policy = nullptr;
  const abi::AbiOptions* options = nullptr;
};

// Findings for one analysed library (FILE = path inside the variant).
void library_findings(const AbiContext& ctx, const std::string& file, const abi::LibraryAnalysis& a,
                      std::vector<Finding>& out);

// GPU rules for a CUDA variant: backend.archs vs the cubins present; per device of PROBE
// whether any library can run (fills LibraryReport::gpu_runs).
void gpu_findings(const AbiContext& ctx, const MetadataFacts* meta, const abi::CudaProbe& probe,
                  std::vector<LibraryReport>& libraries, std::vector<Finding>& out);

// Whether the variant's code runs on CUDA GPUs (arch backend cuda, or noarch torch-cuda).
bool is_cuda_variant(const std::optional<variant::Variant>& parsed);

}  // namespace kcpp::check
