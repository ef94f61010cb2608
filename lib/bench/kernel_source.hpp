#pragma once
// Finds the kernel `kernels benchmark` loads: a local variant directory, the preferred
// variant of a local kernel directory, or the preferred variant of a Hub revision downloaded
// (verified, into the Hugging Face cache: lib/cache/kernel_download.hpp); then, in the variant,
// the shared object, its torch.ops namespace (metadata.json `id`) and the op schemas it
// declares (schema.hpp).
#include <filesystem>
#include <map>
#include <string>

#include "bench/options.hpp"
#include "bench/report.hpp"
#include "bench/schema.hpp"
#include "hub/client.hpp"
#include "variant/system.hpp"

namespace kcpp::bench {

struct KernelUnderTest {
  KernelSummary summary;
  std::filesystem::path variant_dir;
  std::filesystem::path library;
  std::string ns;                           // torch.ops.<ns>.<op>
  std::map<std::string, OpSchema> schemas;  // default overloads the library declares
};

// PATH is a variant directory (metadata.json or a shared object directly inside) or a kernel
// directory (build/<variant>/…: the preferred variant for SYSTEM, as `kernels versions` picks).
KernelUnderTest open_local(const std::filesystem::path& path, const variant::System& system,
                           const variant::Backend& backend);

// The Hub revision TARGET names → its commit → the preferred variant, downloaded verified
// into CACHE (a cached, verified copy costs no transfer). Progress goes to stderr.
KernelUnderTest open_hub(const hub::HubClient& client, const std::filesystem::path& cache, const KernelTarget& target,
                         const variant::System& system, const variant::Backend& backend);

// Fills library, ns and schemas from the variant directory. Throws kcpp::Error when there is
// no shared object or several and none matches metadata.json's id.
void inspect_variant(KernelUnderTest& k);

}  // namespace kcpp::bench
