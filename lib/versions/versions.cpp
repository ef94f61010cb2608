#include "versions/versions.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <limits>
#include <map>
#include <set>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace kcpp::versions {

namespace stdfs = std::filesystem;

std::optional<long> parse_version_branch(std::string_view name) {
  if (name.empty() || name.front() != 'v') return std::nullopt;
  std::string_view s = name.substr(1);
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  long value = 0;
  bool prev_digit = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_') {
      // Python allows single underscores between digits only.
      if (!prev_digit || i + 1 >= s.size() || s[i + 1] < '0' || s[i + 1] > '9') return std::nullopt;
      prev_digit = false;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    if (value > (std::numeric_limits<long>::max() - 9) / 10) return std::nullopt;  // absurd; skip
    value = value * 10 + (c - '0');
    prev_digit = true;
  }
  return negative ? -value : value;
}

std::vector<KernelVersion> kernel_versions(const std::vector<hub::GitRef>& branches) {
  std::map<long, hub::GitRef> by_number;
  for (const auto& b : branches)
    if (auto n = parse_version_branch(b.name)) by_number[*n] = b;
  std::vector<KernelVersion> out;
  for (auto& [n, ref] : by_number) out.push_back({n, ref});
  return out;
}

namespace {

stdfs::path repo_folder(const stdfs::path& cache, hub::RepoType type, const hub::RepoId& repo) {
  return cache / hub::repo_folder_name(type, repo);
}

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t\r\n");
  auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}


VersionReport decide(const KernelVersion& v, const std::vector<std::string>& names, const hub::RepoId& repo,
                     const variant::System& system, const variant::Backend& selected) {
  VersionReport r;
  r.version = v;
  auto listing = variants_from_names(names);
  for (const auto& [name, error] : listing.invalid)
    spdlog::warn("Repository {} (revision: {}) contains invalid build variant: '{}' ({})", repo.str(), v.ref.ref,
                 name, error);
  r.invalid_variants = std::move(listing.invalid);
  r.trace = variant::resolve(listing.variants, system, selected);
  return r;
}

}  // namespace

std::vector<KernelVersion> cached_versions(const stdfs::path& cache, const hub::RepoId& repo) {
  std::map<long, hub::GitRef> by_number;
  for (hub::RepoType type : {hub::RepoType::kernel, hub::RepoType::model}) {
    auto refs = repo_folder(cache, type, repo) / "refs";
    std::error_code ec;
    if (!stdfs::is_directory(refs, ec)) continue;
    for (const auto& entry : stdfs::directory_iterator(refs, ec)) {
      if (!entry.is_regular_file()) continue;
      auto name = entry.path().filename().string();
      auto n = parse_version_branch(name);
      if (!n) continue;
      try {
        by_number[*n] = hub::GitRef{name, name, trim(fs::read_file(entry.path()))};
      } catch (const Error&) {
        continue;  // unreadable ref: skipped, as upstream does
      }
    }
  }
  std::vector<KernelVersion> out;
  for (auto& [n, ref] : by_number) out.push_back({n, ref});
  return out;
}

std::vector<std::string> variant_dir_names(const std::vector<hub::TreeEntry>& entries) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& e : entries) {
    if (e.kind != hub::TreeEntry::Kind::directory) continue;
    std::string_view p = e.path;
    if (p.rfind("build/", 0) != 0) continue;
    auto name = p.substr(6);
    if (name.empty() || name.find('/') != std::string_view::npos) continue;
    if (seen.insert(std::string(name)).second) out.emplace_back(name);
  }
  return out;
}

void rethrow_missing_kernel_repo(const Error& error, const hub::HubClient& client, const hub::RepoId& repo) {
  if (error.kind() != ErrorKind::repo_not_found || !client.repo_exists(hub::RepoType::model, repo)) throw error;
  throw Error(ErrorKind::repo_not_found,
              fmt::format("'{}' exists only as a model repository; kernels must be kernel repositories "
                          "since kernels 0.14",
                          repo.str()))
      .hint("re-upload it as a kernel repository: `kernel-builder build-and-upload --repo-type kernel`");
}

VariantListing variants_from_names(const std::vector<std::string>& names) {
  VariantListing out;
  std::set<std::string> unique(names.begin(), names.end());
  for (const auto& name : unique) {
    std::string error;
    if (auto v = variant::try_parse(name, &error))
      out.variants.push_back(std::move(*v));
    else
      out.invalid.emplace_back(name, error);
  }
  return out;
}

VersionsReport collect_online(const hub::HubClient& client, const hub::RepoId& repo, const variant::System& system,
                              const variant::Backend& selected) {
  hub::Refs refs;
  try {
    refs = client.list_refs(hub::RepoType::kernel, repo);
  } catch (const Error& e) {
    rethrow_missing_kernel_repo(e, client, repo);
  }
  VersionsReport report;
  report.repo = repo;
  auto versions = kernel_versions(refs.branches);
  // One tree listing per version, concurrently: latency, not bandwidth, bounds this.
  std::vector<std::future<std::optional<std::vector<hub::TreeEntry>>>> trees;
  for (const auto& v : versions) {
    trees.push_back(std::async(std::launch::async, [&client, &repo, ref = v.ref.ref]()
                                                       -> std::optional<std::vector<hub::TreeEntry>> {
      try {
        return client.list_tree(hub::RepoType::kernel, repo, ref, "build", false);
      } catch (const Error& e) {
        if (e.kind() == ErrorKind::entry_not_found) return std::nullopt;
        throw;
      }
    }));
  }
  for (std::size_t i = 0; i < versions.size(); ++i) {
    auto tree = trees[i].get();
    auto r = decide(versions[i], tree ? variant_dir_names(*tree) : std::vector<std::string>{}, repo, system,
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
  for (const auto& v : cached_versions(cache, repo)) {
    std::vector<std::string> names;
    bool found = false;
    for (hub::RepoType type : {hub::RepoType::kernel, hub::RepoType::model}) {
      auto build = repo_folder(cache, type, repo) / "snapshots" / v.ref.target_commit / "build";
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
