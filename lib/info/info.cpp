#include "info/info.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <system_error>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/paths.hpp"
#include "variant/variant.hpp"
#include "repo/build_tree.hpp"
#include "repo/version_branches.hpp"

namespace kcpp::info {

namespace stdfs = std::filesystem;

namespace {

// Parseable names, sorted by canonical name (our stand-in for upstream's set order).
std::vector<variant::Variant> parse_sorted(const std::set<std::string>& names, const std::string& warn_context) {
  std::vector<variant::Variant> out;
  for (const auto& name : names) {
    if (auto v = variant::try_parse(name)) {
      out.push_back(std::move(*v));
    } else if (!warn_context.empty()) {
      spdlog::warn("Repository {} contains invalid build variant variant: '{}'", warn_context, name);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.str() < b.str(); });
  return out;
}

std::vector<std::string> backend_names(const std::vector<variant::Variant>& variants) {
  std::set<std::string> names;
  for (const auto& v : variants) names.insert(v.is_arch() ? v.arch().backend.name() : v.noarch().backend_name);
  return {names.begin(), names.end()};
}

// The version number whose branch info should show (revision = that branch's name).
std::string version_branch(const std::vector<repo::KernelVersion>& available, long wanted,
                           const hub::RepoId& repo, bool offline) {
  if (const auto* v = repo::find_version(available, wanted)) return v->ref.name;
  if (offline && available.empty())
    throw Error(ErrorKind::offline,
                fmt::format("Version {} of '{}' is not available in the local cache and Hugging Face Hub is in "
                            "offline mode. Download the kernel while online first, or pass an explicit "
                            "`revision=<commit>`.",
                            wanted, repo.str()))
        .hint("unset HF_HUB_OFFLINE, or pass --revision");
  throw repo::version_not_found(wanted, available, "",
                                "pick one of the available versions, or omit --version for the latest",
                                "the repository has no v{N} branches; omit --version to use main");
}

}  // namespace


KernelInfo collect_local(const std::string& arg) {
  KernelInfo info;
  info.path = paths::python_path_str(arg);
  const stdfs::path build = stdfs::path(arg) / "build";
  const std::string build_display = *info.path + "/build";
  std::set<std::string> names;
  std::error_code ec;
  for (stdfs::directory_iterator it(build, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code dir_ec;
    if (it->is_directory(dir_ec)) names.insert(it->path().filename().string());
  }
  auto variants = parse_sorted(names, "");
  if (variants.empty())
    throw Error(ErrorKind::failure, fmt::format("No build variants found in: {}", build_display))
        .hint("a kernel directory holds build/<variant>/ directories, e.g. build/torch211-cxx11-cu130-x86_64-linux");
  for (const auto& v : variants) {
    stdfs::path meta = build / v.str() / "metadata.json";
    std::error_code exists_ec;
    if (!stdfs::exists(meta, exists_ec)) continue;
    const std::string display = build_display + "/" + v.str() + "/metadata.json";
    std::string text;
    try {
      text = fs::read_file(meta);
    } catch (const std::exception& e) {
      throw Error(ErrorKind::io, fmt::format("cannot read {}", display)).cause(e.what());
    }
    try {
      info.metadata = parse_metadata_info(text, display);
    } catch (const Error& e) {
      throw Error(ErrorKind::parse, fmt::format("cannot parse metadata: {}", e.what()))
          .hint("fix the metadata.json (kernels 0.17.2 rejects it too), or rebuild the kernel");
    }
    break;
  }
  info.backends = backend_names(variants);
  return info;
}

// The work of collect_hub once the flags are checked (its errors get the model-repo hint).
static KernelInfo collect_hub_at(const hub::HubClient& client, const stdfs::path& cache, const hub::RepoId& repo,
                                 const std::optional<std::string>& revision, const std::optional<long>& version,
                                 KernelInfo info);

KernelInfo collect_hub(const hub::HubClient& client, const stdfs::path& cache, const hub::RepoId& repo,
                       const std::optional<std::string>& revision, const std::optional<long>& version) {
  if (revision && version)  // upstream exits 1 here, not with a usage error
    throw Error(ErrorKind::failure, "Only one of --revision or --version can be specified")
        .hint("--revision names a branch, tag or commit; --version N means branch vN");
  KernelInfo info;
  info.repo_id = repo.str();
  try {
    return collect_hub_at(client, cache, repo, revision, version, info);
  } catch (const Error& e) {
    repo::rethrow_missing_kernel_repo(e, client, repo);
  }
}

static KernelInfo collect_hub_at(const hub::HubClient& client, const stdfs::path& cache, const hub::RepoId& repo,
                                 const std::optional<std::string>& revision, const std::optional<long>& version,
                                 KernelInfo info) {
  if (revision) {
    info.revision = *revision;
  } else {
    const bool offline = client.settings().offline;
    auto available = offline ? repo::cached_versions(cache, repo)
                             : repo::kernel_versions(client.list_refs(hub::RepoType::kernel, repo).branches);
    if (version)
      info.revision = version_branch(available, *version, repo, offline);
    else
      info.revision = available.empty() ? "main" : available.back().ref.name;
  }
  std::vector<hub::TreeEntry> tree;
  try {
    tree = repo::list_build_tree(client, repo, info.revision, /*recursive=*/false);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::entry_not_found) throw;
    // upstream: a traceback (EntryNotFoundError)
  }
  auto dir_names = repo::variant_dir_names(tree);
  std::set<std::string> names(dir_names.begin(), dir_names.end());
  auto variants = parse_sorted(names, fmt::format("{} (revision: {})", repo.str(), info.revision));
  if (variants.empty())
    throw Error(ErrorKind::failure,
                fmt::format("No build variants found in {} (revision: {})", repo.str(), info.revision))
        .hint(tree.empty() ? "the revision has no build/ directory" : "no directory under build/ is a variant name");
  const std::string path = repo::metadata_path(variants.front().str());
  try {
    std::string text;
    client.download_file(hub::RepoType::kernel, repo, info.revision, path, [&](std::string_view chunk) {
      text.append(chunk);
      return true;
    });
    info.metadata = parse_metadata_info(text, path);
  } catch (const std::exception& e) {
    spdlog::debug("no metadata from {}: {}", path, e.what());  // omitted silently, as upstream
  }
  info.backends = backend_names(variants);
  return info;
}

}  // namespace kcpp::info
