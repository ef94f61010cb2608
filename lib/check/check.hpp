#pragma once
// `kernels check REPO|PATH`: is a kernel compliant — layout, metadata.json, digest and the
// ABI of every shared object, per build variant — for a local kernel directory
// (PATH/build/<variant>/…) or a Hub revision. See man/kernels-check.1 for the rules.
//
// Hub mode lists build/ once (recursively) at the resolved commit and fetches only what
// the checked variants need — metadata.json, the shared objects, and the small files whose
// hash the digest needs and the listing does not give (LFS files come with their sha256) —
// into the Hugging Face cache's blobs/ (verified against the listing; no snapshot links,
// so no partial variant ever appears under snapshots/, and a later `kernels download`
// reuses the blobs).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "abi/analysis.hpp"
#include "abi/cuda_device.hpp"
#include "check/finding.hpp"
#include "hub/client.hpp"
#include "hub/types.hpp"

namespace kcpp::check {

struct CheckOptions {
  std::vector<std::string> variants;         // --variant (empty: all)
  std::string manylinux = "manylinux_2_28";  // name or alias
  abi::Version python_abi{{3, 9}};
  abi::Version macos{{15, 0}};
  std::optional<std::string> revision;  // Hub only
  std::optional<long> version;          // Hub only: branch v{N}
  bool probe_gpu = true;
  unsigned jobs = 8;
};

struct LibraryReport {
  std::string file;  // path inside the variant
  std::uint64_t size = 0;
  abi::LibraryAnalysis analysis;
  // Per device of this machine: the fat-binary target it would load, or "" when none fits.
  std::vector<std::pair<abi::CudaDevice, std::string>> gpu_runs;
};

struct VariantReport {
  std::string name;
  std::vector<Finding> findings;
  std::vector<LibraryReport> libraries;
  std::optional<std::string> digest_algorithm;  // "sha256" when metadata.json has a digest
  std::size_t digest_files = 0;                 // files compared
  bool signature_bundle = false;                // metadata.json.sigstore present (never verified)
  std::size_t errors() const;
  std::size_t warnings() const;
  bool compliant() const { return errors() == 0; }
};

struct FetchedFile {
  std::string path;  // repo path
  std::uint64_t bytes = 0;
  bool reused = false;  // already in the cache: no transfer
};

struct CheckReport {
  // Source: a local directory, or a Hub repo at a revision.
  std::optional<std::string> path;
  std::optional<std::string> repo_id;
  std::string revision;
  std::string commit;
  std::optional<long> branch_version;
  std::string manylinux;  // canonical policy name
  abi::Version python_abi;
  abi::Version macos;
  abi::CudaProbe gpu;
  bool gpu_probed = false;
  std::vector<Finding> findings;  // kernel-level (build/ missing, versions disagree)
  std::vector<VariantReport> variants;
  std::vector<FetchedFile> fetched;  // Hub mode
  std::size_t variants_available = 0;
  std::size_t errors() const;
  std::size_t warnings() const;
  bool compliant() const { return errors() == 0; }
};

// Validates the options (manylinux name, --variant names); throws kcpp::Error(usage).
const abi::ManylinuxPolicy& resolve_policy(const std::string& name);

CheckReport check_local(const std::filesystem::path& dir, const CheckOptions& options);
CheckReport check_hub(const hub::HubClient& client, const std::filesystem::path& cache_root, const hub::RepoId& repo,
                      const CheckOptions& options);

// Human report (stdout) and the --json document (+ "\n").
std::string render_text(const CheckReport& report);
std::string render_json(const CheckReport& report);

}  // namespace kcpp::check
