#include "cache/kernel_download.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "cache/blob_store.hpp"
#include "cache/cache_layout.hpp"
#include "cache/download_plan.hpp"
#include "cache/snapshot_writer.hpp"
#include "cache/verifier.hpp"
#include "core/fs.hpp"
#include "core/log.hpp"
#include "repo/metadata.hpp"
#include "variant/resolve.hpp"
#include "repo/build_tree.hpp"
#include "repo/version_branches.hpp"
#include "variant/listing.hpp"

namespace kcpp::cache {

namespace {

using hub::RepoType;

// upstream _latest_compatible_version_suggestion: best effort, never fails.
std::string latest_version_suggestion(const hub::HubClient& client, const hub::RepoId& repo,
                                      const variant::System& system, const variant::Backend& backend) {
  try {
    auto versions = repo::kernel_versions(client.list_refs(RepoType::kernel, repo).branches);
    if (versions.empty()) return "";
    const auto& latest = versions.back();
    auto tree = repo::list_build_tree(client, repo, latest.ref.ref, /*recursive=*/false);
    auto listing = variant::parse_variant_names(repo::variant_dir_names(tree));
    auto trace = variant::resolve(listing.variants, system, backend);
    int idx = variant::preferred_index(trace);
    if (idx < 0) return "";
    return fmt::format(
        "\n\nHowever, version v{} of '{}' has a build compatible with your system ({}). Consider upgrading to that "
        "version by specifying the `version` argument.",
        latest.number, repo.str(), log::escape_controls(trace[static_cast<std::size_t>(idx)].variant.str()));
  } catch (...) {
    return "";
  }
}

std::string kind_label(HashKind k) { return k == HashKind::sha256 ? "sha256" : "git blob id"; }

Error mismatch_error(const hub::RepoId& repo, const std::string& commit, const std::string& variant,
                     const DownloadPlan& plan, const VariantVerdict& verdict) {
  const auto& first = verdict.mismatches.front();
  HashKind kind = HashKind::git_blob_sha1;
  for (const auto& f : plan.files)
    if (f.path == first.path) kind = f.kind;
  std::string where = variant.empty() ? "" : fmt::format(" (variant {})", variant);
  Error e(ErrorKind::verification,
          fmt::format("{}{}: content of '{}' does not match commit {}", repo.str(), where, first.path, commit));
  e.cause(fmt::format("expected {} {}, downloaded content has {}", kind_label(kind), first.expected,
                      first.actual.empty() ? "nothing" : first.actual));
  for (std::size_t i = 1; i < verdict.mismatches.size(); ++i)
    e.cause(fmt::format("'{}' differs as well", verdict.mismatches[i].path));
  if (!verdict.actual_hash.empty())
    e.cause(fmt::format("variant hash (git_lfs_concat): expected {}, got {}", verdict.expected_hash,
                        verdict.actual_hash));
  e.hint("the Hub served bytes that differ from what the locked commit records; nothing was published for this "
         "kernel and the bad bytes were discarded");
  e.hint("retry later; if it persists, tell the repository's owner (the stored file is damaged or was replaced)");
  return e;
}

void check_metadata(const BlobStore& store, const hub::RepoId& repo, const DownloadPlan& plan,
                    const VariantPlan& variant) {
  const PlannedFile* meta = nullptr;
  for (auto i : variant.files)
    if (plan.files[i].rel == "metadata.json") meta = &plan.files[i];
  if (!meta)
    throw Error(ErrorKind::failure,
                fmt::format("{} (variant {}): build/{}/metadata.json is missing", repo.str(), variant.name, variant.name))
        .hint("kernels needs a variant's metadata.json to load it; ask the publisher to rebuild the variant with "
              "kernel-builder");
  auto text = fs::read_file(store.layout().blob_path(meta->etag));
  try {
    (void)repo::parse_metadata(text, meta->path);
  } catch (const Error& e) {
    throw e.in_context(fmt::format("{} (variant {}): invalid metadata.json", repo.str(), variant.name))
        .hint("upstream kernels refuses this variant too (Metadata.read_from_file); ask the publisher to rebuild it");
  }
}

}  // namespace

std::string no_variant_message(const std::string& repo_id, const std::string& revision, const std::string& trace,
                               const std::string& suggestion) {
  return fmt::format("Cannot find a build variant for this system in {} (revision: {}):\n\n{}{}", repo_id, revision,
                     trace, suggestion);
}

KernelResult download_kernel(const hub::HubClient& client, const std::filesystem::path& cache_root,
                             const lock::LockEntry& entry, const variant::System& system,
                             const variant::Backend& backend, const DownloadOptions& options,
                             DownloadReporter& reporter) {
  KernelResult r;
  r.entry = entry;
  const std::string& commit = entry.commit;
  try {
    const auto& repo = entry.dependency.repo.id();
    CacheLayout layout(cache_root, RepoType::kernel, repo);
    r.snapshot = layout.snapshot_dir(commit);
    const std::string label = fmt::format("{} at {}", repo.str(), commit);

    const auto tree = repo::list_build_tree(client, repo, commit, /*recursive=*/true);

    check_tree_paths(tree, label);  // before variant names are even printed: nothing hostile gets further

    std::optional<std::vector<std::string>> selected;
    if (!options.all_variants) {
      auto listing = variant::parse_variant_names(repo::variant_dir_names(tree));
      for (const auto& [name, why] : listing.invalid)
        spdlog::warn("Repository {} (revision: {}) contains invalid build variant: '{}' ({})", repo.str(), commit,
                     name, why);
      auto trace = variant::resolve(listing.variants, system, backend);
      int idx = variant::preferred_index(trace);
      if (idx < 0) {
        r.status = KernelResult::Status::no_variant;
        r.message = no_variant_message(repo.str(), commit, variant::trace_str(trace),
                                       latest_version_suggestion(client, repo, system, backend));
        return r;
      }
      selected = std::vector<std::string>{trace[static_cast<std::size_t>(idx)].variant.str()};
    }

    auto plan = plan_download(tree, selected, label);
    for (const auto& vp : plan.variants)
      if (vp.files.empty())
        throw Error(ErrorKind::failure,
                    fmt::format("{} (variant {}): build/{}/ holds no files at commit {}", repo.str(), vp.name, vp.name,
                                commit))
            .hint("only bytecode (*.pyc, __pycache__) is there, which kernels never downloads");
    if (plan.files.empty())
      throw Error(ErrorKind::failure, fmt::format("{} has no files under build/ at commit {}", repo.str(), commit));

    // Fetch every distinct blob once.
    std::vector<BlobJob> jobs;
    std::map<std::string, std::size_t> job_of;  // etag → job index
    for (auto i : plan.unique_blob_files()) {
      const auto& f = plan.files[i];
      job_of[f.etag] = jobs.size();
      jobs.push_back({f.path, {f.etag, f.kind, f.size}});
    }
    layout.ensure_cachedir_tag();
    BlobStore store(layout);
    auto results = fetch_blobs(client, store, commit, jobs, {options.jobs, options.recheck}, reporter);

    // A failed transfer names its file (and variant); skipped ones are only its consequence.
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      if (!results[j].error) continue;
      const auto& path = jobs[j].repo_path;
      std::string variant;
      for (const auto& f : plan.files)
        if (f.path == path) variant = f.variant;
      const bool local = results[j].error->kind() == ErrorKind::io;
      throw results[j].error->in_context(fmt::format("cannot {} '{}' of {}{}{}", local ? "store" : "download", path,
                                                     repo.str(), variant.empty() ? "" : fmt::format(" (variant {})", variant),
                                                     local ? " in the cache" : ""));
    }

    std::vector<std::string> actual(plan.files.size());
    for (std::size_t i = 0; i < plan.files.size(); ++i) actual[i] = results[job_of[plan.files[i].etag]].outcome.actual;

    // Verify everything before publishing anything.
    VariantPlan loose{"", {}};  // files directly under build/ (--all-variants)
    for (std::size_t i = 0; i < plan.files.size(); ++i)
      if (plan.files[i].variant.empty()) loose.files.push_back(i);
    if (!loose.files.empty()) {
      auto verdict = verify_variant(plan, loose, actual);
      if (!verdict.mismatches.empty()) throw mismatch_error(repo, commit, "", plan, verdict);
    }
    std::vector<VariantResult> verified;
    for (const auto& vp : plan.variants) {
      auto verdict = verify_variant(plan, vp, actual);
      if (!verdict.ok()) throw mismatch_error(repo, commit, vp.name, plan, verdict);
      if (!options.all_variants) check_metadata(store, repo, plan, vp);
      VariantResult v;
      v.name = vp.name;
      v.path = layout.snapshot_dir(commit) / "build" / vp.name;
      v.hash = verdict.actual_hash;
      std::set<std::string> counted;
      for (auto i : vp.files) {
        const auto& f = plan.files[i];
        const auto& res = results[job_of[f.etag]];
        ++v.files;
        v.bytes += f.size;
        if (res.outcome.how == BlobOutcome::How::downloaded && counted.insert(f.etag).second) {
          ++v.fetched;
          v.transferred += res.outcome.transferred;
        } else {
          ++v.reused;
        }
      }
      verified.push_back(std::move(v));
    }

    SnapshotWriter writer(layout);
    for (const auto& f : plan.files) writer.check(commit, f.path);  // all or nothing, as far as we can tell
    for (const auto& f : plan.files) writer.link(commit, f.path, f.etag);
    r.variants = std::move(verified);
  } catch (const Error& e) {
    r.status = KernelResult::Status::failed;
    r.error = e;
  }
  return r;
}

}  // namespace kcpp::cache
