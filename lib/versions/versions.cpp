#include "versions/versions.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>


#include "core/error.hpp"
#include "core/parallel.hpp"
#include "repo/build_tree.hpp"
#include "variant/listing.hpp"

namespace kcpp::versions {

namespace stdfs = std::filesystem;

namespace {

VersionReport decide(const repo::KernelVersion& v, const std::vector<std::string>& names, const hub::RepoId& repo,
                     const variant::System& system, const variant::Backend& selected) {
  VersionReport r;
  r.version = v;
  auto listing = variant::parse_variant_names(names);
  for (const auto& [name, error] : listing.invalid)
    spdlog::warn("Repository {} (revision: {}) contains invalid build variant: '{}' ({})", repo.str(), v.ref.ref,
                 name, error);
  r.invalid_variants = std::move(listing.invalid);
  r.trace = variant::resolve(listing.variants, system, selected);
  return r;
}

}  // namespace

VersionsReport collect_online(const hub::HubClient& client, const hub::RepoId& repo, const variant::System& system,
                              const variant::Backend& selected) {
  VersionsReport report;
  report.repo = repo;
  const auto versions = repo::list_versions(client, repo);
  // One tree listing per version, concurrently: latency, not bandwidth, bounds this.
  std::vector<std::optional<std::vector<hub::TreeEntry>>> trees(versions.size());
  parallel_for(versions.size(), static_cast<int>(versions.size()), [&](std::size_t i) {
    try {
      trees[i] = repo::list_build_tree(client, repo, versions[i].ref.ref, /*recursive=*/false);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::entry_not_found) throw;  // no build/: reported below, not an error
    }
  });
  for (std::size_t i = 0; i < versions.size(); ++i) {
    auto& tree = trees[i];
    auto r = decide(versions[i], tree ? repo::variant_dir_names(*tree) : std::vector<std::string>{}, repo, system,
                    selected);
    r.has_build_dir = tree.has_value();
    if (!tree) spdlog::warn("{} has no build/ directory at {}", repo.str(), versions[i].ref.ref);
    report.versions.push_back(std::move(r));
  }
  return report;
}

VersionsReport collect_offline(const stdfs::path& cache, const hub::RepoId& repo, const variant::System& system,
                               const variant::Backend& selected) {
  VersionsReport report;
  report.repo = repo;
  for (const auto& v : repo::cached_versions(cache, repo)) {
    std::vector<std::string> names;
    bool found = false;
    for (hub::RepoType type : {hub::RepoType::kernel, hub::RepoType::model}) {
      auto build = cache / hub::repo_folder_name(type, repo) / "snapshots" / v.ref.target_commit / "build";
      std::error_code ec;
      if (!stdfs::is_directory(build, ec)) continue;
      found = true;
      for (const auto& e : stdfs::directory_iterator(build, ec))
        if (e.is_directory()) names.push_back(e.path().filename().string());
    }
    auto r = decide(v, names, repo, system, selected);
    r.has_build_dir = found;
    if (!found)
      spdlog::warn("version {} of {} is not in the cache (no snapshot {}); its variants are unknown offline",
                   v.number, repo.str(), v.ref.target_commit);
    report.versions.push_back(std::move(r));
  }
  return report;
}

}  // namespace kcpp::versions
