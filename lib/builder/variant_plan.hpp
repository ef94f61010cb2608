#pragma once
// Which build variants this machine can build for a kernel: the probed torch (version,
// C++ ABI, CUDA), the CUDA toolkit, CPU and OS, intersected with build.toml's backends and
// its torch / CUDA version bounds. Variants that cannot be built are kept with the reason,
// so errors can say "cannot build here: X because Y" instead of pretending.
//
// Naming follows upstream's generate_build_name: torch{M}{m}-cxx11-{cpu|cu{M}{m}}-{cpu}-linux
// (cxx98 when the probed torch uses the old C++ ABI), torch-stable-abi{M}{m}-… when
// `[torch] stable-abi` covers the backend. The CUDA version is the toolkit's (nvcc), as
// upstream's CMake uses it; it must have torch's CUDA major and a minor no newer than
// torch's, so that the kernels loader accepts the variant with this torch.
#include <optional>
#include <string>
#include <vector>

#include "builder/build_toml.hpp"
#include "builder/toolchain.hpp"
#include "variant/system.hpp"

namespace kcpp::builder {

struct VariantCandidate {
  Backend backend = Backend::cpu;
  std::string name;  // empty when the variant cannot even be named here (no torch, …)
  bool buildable = false;
  std::string reason;                            // why not, when !buildable
  std::vector<std::string> notes;                // warnings worth printing for a buildable one
  std::optional<variant::MajorMinor> cuda;       // the toolkit version (cuda)
  std::optional<DottedVersion> stable_abi;       // TORCH_TARGET_VERSION, when set
  std::string describe() const;                  // the name, or "the <backend> backend"
};

// One candidate per backend of general.backends, in that order.
std::vector<VariantCandidate> plan_variants(const BuildConfig& config, const variant::System& system,
                                            const Toolchain& toolchain);

// The torch release as a DottedVersion ("2.11.0+cu130" → 2.11).
std::optional<DottedVersion> torch_release(const variant::System& system);

}  // namespace kcpp::builder
