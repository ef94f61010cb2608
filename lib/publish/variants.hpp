#pragma once
// Finding the build variants an upload publishes (upstream: kernel-builder/src/upload.rs step 1) and what
// their metadata.json files say about the whole upload (branch, dirtiness).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kcpp::publish {

struct BuildVariants {
  std::filesystem::path build_dir;              // where the variants were found
  std::vector<std::filesystem::path> variants;  // sorted by path
};

// The first of KERNEL_DIR/result, KERNEL_DIR/build, KERNEL_DIR whose sub-directories hold a
// metadata.json (as upstream's discover_variants). Throws kcpp::Error naming all three.
BuildVariants discover_variants(const std::filesystem::path& kernel_dir);

// Names of the variants whose metadata.json provenance is dirty, sorted. Unreadable
// metadata is skipped: this backs a warning only.
std::vector<std::string> dirty_variant_names(const std::vector<std::filesystem::path>& variants);

// "v{version}" from every variant's metadata.json. Throws kcpp::Error when a file cannot be
// read or parsed, or when the variants disagree ("Found multiple versions in build
// variants: 1, 2").
std::optional<std::string> branch_from_metadata(const std::vector<std::filesystem::path>& variants);

}  // namespace kcpp::publish
