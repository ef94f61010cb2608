#include "lock/locker.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "repo/metadata.hpp"
#include "lock/metadata_cache.hpp"
#include "core/parallel.hpp"
#include "lock/trust.hpp"
#include "repo/build_tree.hpp"
#include "repo/version_branches.hpp"
#include "variant/variant.hpp"

namespace kcpp::lock {

namespace {

constexpr std::size_t kMaxMetadataBytes = std::size_t{16} << 20;
constexpr hub::RepoType kKernel = hub::RepoType::kernel;

Error as_error(const std::exception& e) {
  if (auto k = dynamic_cast<const Error*>(&e)) return *k;
  return Error(ErrorKind::failure, e.what());
}

// A value computed once per key by the first caller; later callers wait for it.
template <class K, class V>
class OnceMap {
 public:
  struct Outcome {
    std::optional<V> value;
    std::optional<Error> error;
  };

  Outcome get(const K& key, const std::function<V()>& compute) {
    std::shared_future<Outcome> future;
    std::optional<std::promise<Outcome>> mine;
    {
      std::lock_guard lk(mutex_);
      auto it = map_.find(key);
      if (it != map_.end()) {
        future = it->second;
      } else {
        mine.emplace();
        future = mine->get_future().share();
        map_.emplace(key, future);
      }
    }
    if (mine) {
      Outcome o;
      try {
        o.value = compute();
      } catch (const std::exception& e) {
        o.error = as_error(e);
      }
      mine->set_value(std::move(o));
    }
    return future.get();
  }

 private:
  std::mutex mutex_;
  std::map<K, std::shared_future<Outcome>> map_;
};

class Locker {
 public:
  Locker(const hub::HubClient& client, const LockOptions& options)
      : client_(client), options_(options), pool_(std::max(1u, options.jobs)) {}

  LockResult run(const std::vector<RootDependency>& roots) {
    if (client_.settings().offline)
      throw Error(ErrorKind::offline, "kernels lock needs the Hub, but offline mode is enabled")
          .hint("unset HF_HUB_OFFLINE (and TRANSFORMERS_OFFLINE) to lock");
    // One level at a time, each fetched concurrently; the limits stop the fetch (the walk
    // then reports the chain that crossed them).
    std::vector<Dependency> level;
    for (const auto& r : roots)
      if (std::find(level.begin(), level.end(), r.dependency) == level.end()) level.push_back(r.dependency);
    for (std::size_t depth = 1; !level.empty(); ++depth) {
      if (nodes_.size() + level.size() > options_.limits.max_dependencies) break;
      for (const auto& dep : level) schedule(dep);
      pool_.wait();
      if (depth >= options_.limits.max_depth) break;
      std::vector<Dependency> next;
      std::set<Dependency> queued;
      for (const auto& dep : level)
        for (const auto& blob : nodes_.at(dep)->blobs)
          for (const auto& d : blob.deps)
            if (!nodes_.count(d) && queued.insert(d).second) next.push_back(d);
      level = std::move(next);
    }
    return walk_dependencies(roots, nodes_, options_.limits);
  }

 private:
  void schedule(const Dependency& dep) {
    auto& node = nodes_.emplace(dep, std::make_unique<NodeState>()).first->second;
    pool_.submit([this, dep, n = node.get()] { fetch_node(dep, *n); });
  }

  // Steps 1-3 of the header; then one task per distinct metadata.json content (step 4).
  void fetch_node(const Dependency& dep, NodeState& node) {
    hub::RepoId repo;
    try {
      if (!options_.trust_remote_code) {
        auto publisher = publisher_of(dep.repo.text());
        auto answer = trust_.get(publisher, [&] { return ask_publisher_trust(client_, publisher); });
        require_trusted(*answer.value, dep.repo.text());
      }
      repo = dep.repo.id();  // an invalid one: "FILE:LINE:COL: invalid repo id …" (the chain says how it was reached)
      node.commit = dep.is_version() ? version_commit(dep, repo, node) : dep.rev();
      list_variants(dep, repo, node);
    } catch (const std::exception& e) {
      node.error = as_error(e);
      return;
    }
    for (std::size_t i = 0; i < node.blobs.size(); ++i)
      pool_.submit([this, repo, &node, i] { fetch_metadata(repo, node, node.blobs[i]); });
  }

  std::string version_commit(const Dependency& dep, const hub::RepoId& repo, NodeState& node) {
    auto refs = refs_.get(dep.repo.text(), [&] { return client_.list_refs(kKernel, repo); });
    if (refs.error) throw *refs.error;
    auto versions = repo::kernel_versions(refs.value->branches);
    const repo::KernelVersion* found = dep.major() <= static_cast<std::uint64_t>(std::numeric_limits<long>::max())
                                           ? repo::find_version(versions, static_cast<long>(dep.major()))
                                           : nullptr;
    if (!found)
      throw repo::version_not_found(static_cast<long>(dep.major()), versions, dep.repo.text() + ": ",
                                    fmt::format("use one of the available versions (`kernels versions {}` lists "
                                                "them with their build variants)",
                                                dep.repo.text()),
                                    fmt::format("{} has no version branches (v1, v2, …)", dep.repo.text()));
    long latest = versions.back().number;
    if (found->number < latest)
      node.warnings.push_back(fmt::format("You are using version {} of '{}', but version {} is available.",
                                          found->number, dep.repo.text(), latest));
    return found->ref.target_commit;
  }

  // Upstream lists build/ (variant directories), then downloads each variant's metadata.json.
  // One recursive listing gives both the directories and each metadata.json's blob id, so
  // that each distinct content is fetched (and parsed) once.
  void list_variants(const Dependency& dep, const hub::RepoId& repo, NodeState& node) {
    const auto tree = repo::list_build_tree(client_, repo, node.commit, /*recursive=*/true);
    std::set<std::string> dirs;
    std::map<std::string, std::string> content_of;  // file path → content key (blob id)
    for (const auto& name : repo::variant_dir_names(tree)) dirs.insert(name);
    for (const auto& e : tree)
      if (e.kind == hub::TreeEntry::Kind::file && repo::split_build_path(e.path))
        content_of[e.path] = e.oid.empty() ? e.path : e.oid;
    std::map<std::string, std::string> canonical;  // canonical name → a directory name
    for (const auto& name : dirs) {
      std::string error;
      if (auto v = variant::try_parse(name, &error))
        canonical.emplace(v->str(), name);
      else
        node.warnings.push_back(fmt::format("Repository {} (revision: {}) contains invalid build variant: '{}' ({})",
                                            dep.repo.text(), node.commit, name, error));
    }
    std::map<std::string, std::size_t> blob_of;  // content key → index in node.blobs
    for (auto& [name, dir] : canonical) {
      VariantState v{name, dir, std::nullopt, 0};
      const std::string path = repo::metadata_path(name);
      auto file = content_of.find(path);
      if (file == content_of.end()) {
        Error e(ErrorKind::entry_not_found, fmt::format("{} has no {} at {}", dep.repo.text(), path, node.commit));
        if (dir != name)
          e.hint(fmt::format("the variant directory is named '{}'; kernels reads it under its canonical name "
                             "'{}': rename the directory",
                             dir, name));
        else
          e.hint("every build variant needs a metadata.json (kernel-builder writes it)");
        v.error = std::move(e);
      } else {
        auto [it, fresh] = blob_of.emplace(file->second, node.blobs.size());
        if (fresh) node.blobs.push_back({path, std::nullopt, {}, file->second});
        v.blob = it->second;
      }
      node.variants.push_back(std::move(v));
    }
  }

  void fetch_metadata(const hub::RepoId& repo, const NodeState& node, MetadataBlob& blob) {
    try {
      const auto& cache = options_.cache;
      auto cached = cache ? read_cached_blob(*cache, repo, blob.blob_id) : std::nullopt;
      std::string body =
          cached ? *cached : client_.fetch_small_file(kKernel, repo, node.commit, blob.path, kMaxMetadataBytes);
      if (!cached) verify_blob(repo, node.commit, blob, body);
      if (cache && !cached) store_cached_blob(*cache, repo, blob.blob_id, body);
      blob.deps = repo::parse_metadata(body, fmt::format("{}@{}/{}", repo.str(), node.commit, blob.path)).kernel_depends;
    } catch (const std::exception& e) {
      blob.error = as_error(e);
      return;
    }
  }

  // The bytes must be the blob the commit's tree names: what is locked (kernel-depends) must
  // not depend on what a server or a proxy chose to send. Upstream does not check this.
  static void verify_blob(const hub::RepoId& repo, const std::string& commit, const MetadataBlob& blob,
                          const std::string& body) {
    if (!hub::is_commit_sha(blob.blob_id)) return;  // no git blob id listed: nothing to check against
    std::string actual = hash::git_blob_id(body);
    if (actual == blob.blob_id) return;
    throw Error(ErrorKind::verification,
                fmt::format("{}@{}: the content of {} does not match the commit", repo.str(), commit, blob.path))
        .cause(fmt::format("expected git blob id {}, the Hub sent content with id {}", blob.blob_id, actual))
        .hint("the Hub served bytes other than the ones the commit records; nothing was locked — retry later, and "
              "tell the repository's owner if it persists");
  }

  const hub::HubClient& client_;
  LockOptions options_;
  OnceMap<std::string, TrustAnswer> trust_;
  OnceMap<std::string, hub::Refs> refs_;
  DependencyGraph nodes_;  // written by run() between levels only; tasks fill in their node
  TaskPool pool_;  // last: joined first, while everything it uses is alive
};

}  // namespace

LockResult resolve_locks(const hub::HubClient& client, const std::vector<RootDependency>& roots,
                         const LockOptions& options) {
  Locker locker(client, options);
  return locker.run(roots);
}

}  // namespace kcpp::lock
