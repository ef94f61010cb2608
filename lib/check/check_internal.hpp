#pragma once
// Shared by the local and Hub front ends of `kernels check` (check.cpp, hub_check.cpp):
// one run over a KernelTree whose files are readable on disk.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "check/check.hpp"
#include "check/kernel_tree.hpp"
#include "check/variant_rules.hpp"

namespace kcpp::check {

// A metadata.json larger than this is reported, not read (or, on the Hub, fetched).
inline constexpr std::uint64_t kMaxMetadataBytes = 16 << 20;

// Keeps only the variants named by --variant; throws kcpp::Error(usage) naming the
// available ones when a name is not in TREE (WHERE names the kernel in the message).
void select_variants(KernelTree& tree, const std::vector<std::string>& wanted, const std::string& where);

class CheckRun {
 public:
  explicit CheckRun(const CheckOptions& options);  // validates --manylinux
  // Runs every rule over TREE's variants (files with a local path are read; Hub files
  // without one must have been left out on purpose). BRANCH_VERSION: N on Hub branch vN.
  void check_tree(const KernelTree& tree, std::optional<long> branch_version);
  CheckReport report;

 private:
  VariantReport check_variant(const VariantTree& v, std::optional<long> branch_version,
                              std::optional<MetadataFacts>& facts);
  const abi::CudaProbe& gpu();  // probed once, on first need

  const CheckOptions& options_;
  const abi::ManylinuxPolicy* policy_;
};

}  // namespace kcpp::check
