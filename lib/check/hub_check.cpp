// `kernels check ORG/NAME`: resolve the revision, list build/ once, fetch only what the
// checked variants need into the cache's blobs/, then run the same rules as for a local
// directory (check.hpp explains the fetch policy).
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <map>

#include "cache/blob_store.hpp"
#include "cache/downloader.hpp"
#include "check/check.hpp"
#include "check/check_internal.hpp"
#include "check/digest.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/json_value.hpp"
#include "repo/build_tree.hpp"
#include "repo/revision.hpp"
#include "repo/version_branches.hpp"

namespace kcpp::check {

namespace {

// The digest a metadata.json declares (nullopt when absent or unreadable: the rules report that).
std::optional<Digest> declared_digest(const std::filesystem::path& metadata) {
  try {
    const auto doc = parse_json(fs::read_file(metadata));
    for (const auto& [key, value] : doc.members) {
      if (key != "digest" || !value.is_object()) continue;
      Digest d;
      for (const auto& [k, v] : value.members) {
        if (k == "algorithm" && v.is_string()) {
          auto a = parse_digest_algorithm(v.text);
          if (!a) return std::nullopt;
          d.algorithm = *a;
        } else if (k == "files" && v.is_object()) {
          for (const auto& [path, hash] : v.members) d.files[path] = hash.is_string() ? hash.text : "";
        }
      }
      return d;
    }
  } catch (const std::exception& e) {
    spdlog::debug("no digest from {}: {}", metadata.string(), e.what());
  }
  return std::nullopt;
}

class Fetcher {
 public:
  Fetcher(const hub::HubClient& client, const std::filesystem::path& cache_root, const hub::RepoId& repo,
          std::string commit, unsigned jobs, CheckReport& report)
      : client_(client),
        store_(cache::CacheLayout(cache_root, hub::RepoType::kernel, repo)),
        commit_(std::move(commit)),
        jobs_(jobs),
        report_(report) {}

  // Fetches (or finds in the cache) every file in FILES; sets each one's local path.
  void fetch(const std::vector<TreeFile*>& files) {
    std::vector<cache::BlobJob> jobs;
    std::map<std::string, std::size_t> job_of;  // etag → job (files may share a blob)
    for (const auto* f : files) {
      if (job_of.count(f->etag)) continue;
      job_of[f->etag] = jobs.size();
      jobs.push_back(
          {f->repo_path, {f->etag, f->lfs ? cache::HashKind::sha256 : cache::HashKind::git_blob_sha1, f->size}});
    }
    if (jobs.empty()) return;
    store_.layout().ensure_cachedir_tag();
    cache::DownloadReporter quiet;
    auto results = cache::fetch_blobs(client_, store_, commit_, jobs, {jobs_, false}, quiet);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      const auto& r = results[i];
      if (r.error)
        throw Error(r.error->kind(), fmt::format("cannot download '{}': {}", jobs[i].repo_path, r.error->what()))
            .hint("run again: completed files stay in the cache and partial ones resume");
      if (r.skipped)
        throw Error(ErrorKind::failure, fmt::format("download of '{}' was not attempted", jobs[i].repo_path));
      if (!r.outcome.ok())
        throw Error(ErrorKind::verification,
                    fmt::format("'{}' does not match the Hub's tree listing: expected {}, got {}", jobs[i].repo_path,
                                r.outcome.expected, r.outcome.actual))
            .hint("the server sent other bytes than it lists for this commit; try again or report it");
      report_.fetched.push_back(
          {jobs[i].repo_path, jobs[i].spec.size, r.outcome.how == cache::BlobOutcome::How::reused});
    }
    for (auto* f : files) f->local = store_.layout().blob_path(f->etag);
  }

 private:
  const hub::HubClient& client_;
  cache::BlobStore store_;
  std::string commit_;
  unsigned jobs_;
  CheckReport& report_;
};

}  // namespace

CheckReport check_hub(const hub::HubClient& client, const std::filesystem::path& cache_root, const hub::RepoId& repo,
                      const CheckOptions& options) {
  CheckRun run(options);  // validates the options before any request
  if (client.settings().offline)
    throw Error(ErrorKind::offline, "kernels check reads the Hub, and HF_HUB_OFFLINE is set")
        .hint(fmt::format("check a downloaded copy instead: kernels check <cache>/{}/snapshots/<commit>",
                          hub::repo_folder_name(hub::RepoType::kernel, repo)));
  try {
    const auto target = repo::resolve(client, repo, {options.version, options.revision});
    run.report.repo_id = repo.str();
    run.report.revision = target.revision;
    run.report.commit = target.commit;

    std::vector<hub::TreeEntry> entries;
    try {
      entries = repo::list_build_tree(client, repo, target.commit, /*recursive=*/true);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::entry_not_found) throw;  // no build/: a finding, not an error
    }
    KernelTree tree = tree_from_listing(entries, repo.str());
    run.report.variants_available = tree.variants.size();
    select_variants(tree, options.variants, fmt::format("{} (revision {})", repo.str(), target.revision));

    Fetcher fetcher(client, cache_root, repo, target.commit, options.jobs, run.report);
    std::vector<TreeFile*> metadata;
    for (auto& v : tree.variants)
      if (auto* m = v.file("metadata.json"); m && m->size <= kMaxMetadataBytes) metadata.push_back(m);
    fetcher.fetch(metadata);

    // Round two: shared objects, and the files whose digest hash the listing cannot give.
    std::vector<TreeFile*> needed;
    for (auto& v : tree.variants) {
      const TreeFile* m = v.file("metadata.json");
      const auto digest = m ? declared_digest(m->local) : std::nullopt;
      for (auto& f : v.files) {
        if (!f.local.empty()) continue;
        const bool hashed_for_digest = digest && digest->files.count(f.rel) && !excluded_from_digest(f.rel) &&
                                       !(f.sha256_hex && digest->algorithm == DigestAlgorithm::sha256);
        if (is_shared_object(f.rel) || hashed_for_digest) needed.push_back(&f);
      }
    }
    fetcher.fetch(needed);
    run.check_tree(tree, target.branch_version);
  } catch (const Error& e) {
    repo::rethrow_missing_kernel_repo(e, client, repo);
  }
  return std::move(run.report);
}

}  // namespace kcpp::check
