#pragma once
// The dependency graph `kernels lock` fetches (locker.hpp) and the walk over it that decides
// the outcome in upstream's order (kernels/locking.py lock_kernel_tree): roots in pyproject
// order, a kernel's variants by name, each variant's kernel-depends in file order, depth
// first; the first error upstream's sequential walk would meet wins, cycles included
// ("Cyclic kernel dependency detected: org/name").
//
// Upstream recurses once per level, so a long enough chain ends in Python's RecursionError
// (about 1,000 levels). Ours is iterative — an explicit stack, no native recursion, so no
// depth a server chooses can overflow the stack — and bounded (DependencyLimits): a chain of
// more than max_depth kernels, or a graph of more than max_dependencies distinct kernels,
// is an error naming the chain that crossed the limit, before the fetch goes further.
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "lock/lock_file.hpp"

namespace kcpp::lock {

// Generous for real kernels (their kernel-depends nest a level or two) and small enough that
// a hostile graph costs a bounded number of requests: each kernel is ~4 Hub calls.
struct DependencyLimits {
  std::size_t max_depth = 64;           // kernels in one chain, the root included
  std::size_t max_dependencies = 1000;  // distinct kernels in the whole graph, roots included
};

struct RootDependency {
  Dependency dependency;
  std::string origin;  // where it was declared, for hints ("pyproject.toml:3:1"); may be empty
};

struct LockResult {
  LockFile lock;                                 // every dependency reached, sorted
  std::vector<std::string> warnings;             // upstream's warnings, upstream's order
  std::map<Dependency, Dependency> required_by;  // non-root dependency → first dependent
};

// One distinct metadata.json content of a node (variants with the same blob share it).
struct MetadataBlob {
  std::string path;  // metadata path of the first variant (by name) that has this content
  std::optional<Error> error;
  std::vector<Dependency> deps;
  std::string blob_id;  // git blob id from the tree listing (the content key)
};

struct VariantState {
  std::string name;            // canonical variant name (the metadata path upstream asks for)
  std::string dir_name;        // the directory as named in the repo
  std::optional<Error> error;  // no metadata.json
  std::size_t blob = 0;        // index into NodeState::blobs when no error
};

// What was fetched for one dependency.
struct NodeState {
  std::optional<Error> error;  // trust, version, variant listing
  std::string commit;
  std::vector<std::string> warnings;
  std::vector<VariantState> variants;  // sorted by name
  std::vector<MetadataBlob> blobs;
};

// Every dependency the fetch reached. One that is named (by a root list or a kernel-depends)
// but absent was left out by the limits.
using DependencyGraph = std::map<Dependency, std::unique_ptr<NodeState>>;

// Upstream's walk over GRAPH from ROOTS. Throws kcpp::Error: the first failure in upstream's
// order, with the chain that led to it as a cause ("while locking root from FILE:L:C → dep → …").
LockResult walk_dependencies(const std::vector<RootDependency>& roots, const DependencyGraph& graph,
                             const DependencyLimits& limits = {});

}  // namespace kcpp::lock
