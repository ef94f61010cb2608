#include "lock/dependency_walk.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "repo/commit_id.hpp"
#include "core/strings.hpp"

namespace kcpp::lock {

namespace {

constexpr const char* kLimitHint =
    "kernels lock follows at most {} levels of kernel-depends and {} distinct kernels (see LIMITS in "
    "kernels-lock(1)); real kernels stay far below: check the kernel-depends of the kernels named above — a "
    "repository that adds a new dependency at every level is broken or hostile";

// One kernel being walked: where it is in its variants and their dependencies.
struct Frame {
  const Dependency* dep;
  const NodeState* node;
  std::size_t variant = 0;     // index into node->variants
  std::size_t next_dep = 0;    // index into the variant's blob deps
  bool variant_checked = false;  // the variant's own errors were looked at
};

class Walk {
 public:
  Walk(const std::vector<RootDependency>& roots, const DependencyGraph& graph, const DependencyLimits& limits)
      : graph_(graph), limits_(limits) {
    for (const auto& r : roots) roots_.insert(r.dependency);
  }

  LockResult run(const std::vector<RootDependency>& roots) {
    for (const auto& r : roots) {
      origin_ = r.origin;
      if (locked_.count(r.dependency)) continue;
      enter(r.dependency);
      while (!stack_.empty()) step();
    }
    for (auto& [dep, commit] : locked_) result_.lock.entries.push_back({dep, commit});
    return std::move(result_);
  }

 private:
  // Upstream's entry into a kernel: cycle check, then (once on the chain) its own warnings
  // and errors. Limits come before the lookup, so an unfetched kernel is named as such.
  void enter(const Dependency& dep) {
    if (on_stack_.count(dep))
      throw with_chain(Error(ErrorKind::failure, "Cyclic kernel dependency detected: " + dep.repo.text())
                           .hint("kernel dependencies (kernel-depends in metadata.json) must not form a cycle"),
                       &dep);
    if (stack_.size() >= limits_.max_depth)
      throw with_chain(Error(ErrorKind::failure,
                             fmt::format("kernel dependencies nest deeper than {} levels: {} is level {}",
                                         limits_.max_depth, dep.str(), stack_.size() + 1))
                           .hint(fmt::format(kLimitHint, limits_.max_depth, limits_.max_dependencies)),
                       &dep);
    auto it = graph_.find(dep);
    if (it == graph_.end() || !it->second)
      throw with_chain(Error(ErrorKind::failure,
                             fmt::format("the kernel dependency graph has more than {} distinct kernels (reached {})",
                                         limits_.max_dependencies, dep.str()))
                           .hint(fmt::format(kLimitHint, limits_.max_depth, limits_.max_dependencies)),
                       &dep);
    const NodeState& node = *it->second;
    stack_.push_back(Frame{&dep, &node});
    on_stack_.insert(dep);
    result_.warnings.insert(result_.warnings.end(), node.warnings.begin(), node.warnings.end());
    if (node.error) throw with_chain(*node.error);
  }

  // One move of the walk: the next dependency of the kernel on top, or that kernel's end.
  void step() {
    Frame& f = stack_.back();
    const NodeState& node = *f.node;
    while (f.variant < node.variants.size()) {
      const VariantState& v = node.variants[f.variant];
      if (!f.variant_checked) {
        f.variant_checked = true;
        if (v.error) throw with_chain(*v.error);
        if (node.blobs[v.blob].error) throw with_chain(*node.blobs[v.blob].error);
      }
      const MetadataBlob& blob = node.blobs[v.blob];
      if (f.next_dep < blob.deps.size()) {
        const Dependency& d = blob.deps[f.next_dep++];
        if (!roots_.count(d)) result_.required_by.emplace(d, *f.dep);
        if (!locked_.count(d)) enter(d);  // may reallocate stack_: F is not used after this
        return;
      }
      ++f.variant;
      f.next_dep = 0;
      f.variant_checked = false;
    }
    const Dependency& dep = *f.dep;
    if (!dep.is_version() && !repo::is_commit_id(dep.rev()))
      throw with_chain(Error(ErrorKind::failure,
                             fmt::format("{}: Invalid git object id, expected 40 or 64 hexadecimal digits: {}",
                                         dep.repo.text(), dep.rev()))
                           .hint("a kernel-depends revision must be a full commit id to be locked"));
    locked_.emplace(dep, strings::ascii_lower(node.commit));
    on_stack_.erase(dep);
    stack_.pop_back();
  }

  // Adds "while locking root (from pyproject.toml:L:C) → dep → …" for the kernels on the
  // stack (and NEXT, the one that could not be entered); a long chain is shortened in the
  // middle.
  Error with_chain(Error e, const Dependency* next = nullptr) const {
    std::vector<const Dependency*> chain;
    for (const auto& f : stack_) chain.push_back(f.dep);
    if (next) chain.push_back(next);
    constexpr std::size_t kEnds = 4;
    std::string text;
    for (std::size_t i = 0; i < chain.size(); ++i) {
      if (chain.size() > 3 * kEnds && i == kEnds) {
        text += fmt::format(" → … ({} more) …", chain.size() - 2 * kEnds);
        i = chain.size() - kEnds - 1;
        continue;
      }
      text += (i ? " → " : "") + chain[i]->str();
      if (i == 0 && !origin_.empty()) text += " from " + origin_;
    }
    if (!text.empty()) e.cause("while locking " + text);
    return e;
  }

  const DependencyGraph& graph_;
  const DependencyLimits limits_;
  std::set<Dependency> roots_;
  std::map<Dependency, std::string> locked_;
  std::vector<Frame> stack_;
  std::set<Dependency> on_stack_;  // the dependencies in stack_, for the cycle check
  std::string origin_;  // of the root being walked
  LockResult result_;
};

}  // namespace

LockResult walk_dependencies(const std::vector<RootDependency>& roots, const DependencyGraph& graph,
                             const DependencyLimits& limits) {
  return Walk(roots, graph, limits).run(roots);
}

}  // namespace kcpp::lock
