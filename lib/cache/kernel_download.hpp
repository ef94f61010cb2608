#pragma once
// `kernels download` for one locked kernel: the commit from kernels.lock → the variants to
// fetch → blobs (parallel, hashed while streaming, resumable) → verification → metadata
// check → snapshot links. What upstream's download_kernels does per lock entry
// (kernels 0.17.2 cli/download.py), plus verification and reuse of cached blobs.
//
// Steps (docs/hub-api.md E2/E4 only; no refs or revision-info calls for a pinned commit):
//   1. one recursive tree listing of build/ at the commit;
//   2. default: the directories under build/ are parsed as variants and resolved for the
//      system (variant/resolve.hpp); the preferred one is fetched. None compatible →
//      Status::no_variant with upstream's message (trace + its "However, version vN …"
//      suggestion, best effort). --all-variants: every file under build/, no resolution;
//   3. files minus bytecode (download_plan.hpp); blobs not in the cache are fetched
//      (downloader.hpp) — a cached blob costs no request;
//   4. each variant is verified (verifier.hpp) and, by default, its metadata.json must
//      parse as upstream's Metadata (lib/lock/metadata.hpp);
//   5. only then are its snapshot links written (snapshot_writer.hpp).
// No trees/<commit>.json is written: with huggingface_hub ≥ 1.22 that file makes
// snapshot_download(local_files_only=True) reject a snapshot holding one variant of many
// (IncompleteSnapshotError), which breaks upstream's own load_kernel after a download.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cache/downloader.hpp"
#include "core/error.hpp"
#include "hub/client.hpp"
#include "lock/lock_file.hpp"
#include "variant/system.hpp"

namespace kcpp::cache {

struct DownloadOptions {
  bool all_variants = false;
  unsigned jobs = 8;
  bool recheck = false;  // re-hash blobs already in the cache
};

struct VariantResult {
  std::string name;
  std::filesystem::path path;  // <cache>/kernels--ns--name/snapshots/<commit>/build/<name>
  std::string hash;            // git_lfs_concat of the verified files
  std::size_t files = 0;
  std::uint64_t bytes = 0;
  std::size_t fetched = 0;        // files whose blob was transferred now
  std::size_t reused = 0;         // files whose blob was already cached
  std::uint64_t transferred = 0;  // body bytes received for this variant's new blobs
};

struct KernelResult {
  lock::LockEntry entry;
  enum class Status { ok, no_variant, failed } status = Status::ok;
  std::vector<VariantResult> variants;
  std::string message;           // no_variant: upstream's text, printed as is
  std::optional<Error> error;    // failed: what, for which variant and file, with a hint
  std::filesystem::path snapshot;  // snapshots/<commit> (whether or not it exists)
};

KernelResult download_kernel(const hub::HubClient& client, const std::filesystem::path& cache_root,
                             const lock::LockEntry& entry, const variant::System& system,
                             const variant::Backend& backend, const DownloadOptions& options,
                             DownloadReporter& reporter);

// upstream's message when no variant fits (no trailing newline):
//   "Cannot find a build variant for this system in {repo} (revision: {rev}):\n\n{trace}{suggestion}"
std::string no_variant_message(const std::string& repo_id, const std::string& revision, const std::string& trace,
                               const std::string& suggestion);

}  // namespace kcpp::cache
