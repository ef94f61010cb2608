#pragma once
// Building one variant (used by build.cpp): the CMake project, cmake configure + build,
// then the variant directory assembled in KERNEL_DIR/build/.kcpp-tmp-… and renamed to
// KERNEL_DIR/build/<variant>.
#include <filesystem>
#include <optional>
#include <string>

#include "builder/build_toml.hpp"
#include "builder/kernel_id.hpp"
#include "builder/toolchain.hpp"
#include "builder/variant_plan.hpp"
#include "variant/system.hpp"

namespace kcpp::builder {

struct VariantBuild {
  const BuildConfig& config;
  std::filesystem::path kernel_dir;  // absolute
  const VariantCandidate& candidate;
  const variant::System& system;
  const Toolchain& toolchain;
  std::string unique_id;
  std::optional<GitState> git;
  int jobs = 0;
  bool verbose = false;
};

// Returns KERNEL_DIR/build/<variant>. Throws kcpp::Error.
std::filesystem::path build_variant(const VariantBuild& b);

}  // namespace kcpp::builder
