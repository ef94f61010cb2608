// walk_dependencies on graphs built in memory: upstream's order, a diamond visited once,
// cycles, and the limits — a 30,000-deep chain (the recursive walk overflowed the stack) and
// a 10,000-wide fan-out end in a clear error naming the chain, not a crash.
#include <catch2/catch.hpp>

#include <chrono>

#include "core/error.hpp"
#include "lock/dependency_walk.hpp"

using namespace kcpp;
using namespace kcpp::lock;

namespace {

std::string commit_of(std::size_t i) {
  std::string c = std::to_string(i);
  return std::string(40 - c.size(), 'a') + c;
}

Dependency dep(std::size_t i) { return Dependency::version("org/k" + std::to_string(i), 1); }

// One variant whose metadata.json lists DEPS.
std::unique_ptr<NodeState> node(std::size_t i, std::vector<Dependency> deps) {
  auto n = std::make_unique<NodeState>();
  n->commit = commit_of(i);
  n->variants.push_back({"torch-universal", "torch-universal", std::nullopt, 0});
  n->blobs.push_back({"build/torch-universal/metadata.json", std::nullopt, std::move(deps), "b"});
  return n;
}

std::string error_of(const std::vector<RootDependency>& roots, const DependencyGraph& g, DependencyLimits l = {}) {
  try {
    walk_dependencies(roots, g, l);
  } catch (const Error& e) {
    std::string out = e.what();
    for (const auto& c : e.causes()) out += "\ncaused by: " + c;
    return out;
  }
  return "no error";
}

}  // namespace

TEST_CASE("walk: a diamond is locked once, in upstream's order", "[lock][walk]") {
  DependencyGraph g;
  g[dep(0)] = node(0, {dep(1), dep(2)});
  g[dep(1)] = node(1, {dep(3)});
  g[dep(2)] = node(2, {dep(3)});
  g[dep(3)] = node(3, {});
  g[dep(3)]->warnings.push_back("w3");
  auto r = walk_dependencies({{dep(0), "pyproject.toml:1:1"}}, g);
  REQUIRE(r.lock.entries.size() == 4);
  CHECK(r.lock.entries[3] == LockEntry{dep(3), commit_of(3)});
  CHECK(r.warnings == std::vector<std::string>{"w3"});  // entered once
  CHECK(r.required_by.at(dep(3)) == dep(1));             // the first dependent in walk order
}

TEST_CASE("walk: cycles and node errors name the chain", "[lock][walk]") {
  DependencyGraph g;
  g[dep(0)] = node(0, {dep(1)});
  g[dep(1)] = node(1, {dep(0)});
  CHECK(error_of({{dep(0), "pyproject.toml:1:1"}}, g) ==
        "Cyclic kernel dependency detected: org/k0\ncaused by: while locking org/k0 (version 1) from "
        "pyproject.toml:1:1 → org/k1 (version 1) → org/k0 (version 1)");
  g[dep(1)] = node(1, {});
  g[dep(1)]->error = Error(ErrorKind::failure, "boom");
  CHECK(error_of({{dep(0), ""}}, g) == "boom\ncaused by: while locking org/k0 (version 1) → org/k1 (version 1)");
}

TEST_CASE("walk: a 30,000-deep chain is a depth error, not a stack overflow", "[lock][walk]") {
  constexpr std::size_t kDeep = 30000;
  DependencyGraph g;
  for (std::size_t i = 0; i < kDeep; ++i) g[dep(i)] = node(i, i + 1 < kDeep ? std::vector{dep(i + 1)} : std::vector<Dependency>{});
  const auto start = std::chrono::steady_clock::now();
  const auto err = error_of({{dep(0), "pyproject.toml:2:1"}}, g);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK_THAT(err, Catch::StartsWith("kernel dependencies nest deeper than 64 levels: org/k64 (version 1) is level 65\n"
                                    "caused by: while locking org/k0 (version 1) from pyproject.toml:2:1 → "
                                    "org/k1 (version 1) → org/k2 (version 1) → org/k3 (version 1) → … (57 more) … → "
                                    "org/k61 (version 1) → org/k62 (version 1) → org/k63 (version 1) → org/k64 (version 1)"));
  // With the limit out of the way the same graph is walked to the end, iteratively.
  auto r = walk_dependencies({{dep(0), ""}}, g, {kDeep, kDeep});
  CHECK(r.lock.entries.size() == kDeep);
  CHECK(error_of({{dep(0), ""}}, g, {kDeep - 1, kDeep}) != "no error");
}

TEST_CASE("walk: a fan-out beyond the fetched graph is a width error", "[lock][walk]") {
  constexpr std::size_t kWide = 10000;
  std::vector<Dependency> deps;
  for (std::size_t i = 1; i <= kWide; ++i) deps.push_back(dep(i));
  DependencyGraph g;
  g[dep(0)] = node(0, deps);  // the fetch stopped before the 10,000 (over the limit): absent
  CHECK(error_of({{dep(0), "pyproject.toml:1:1"}}, g) ==
        "the kernel dependency graph has more than 1000 distinct kernels (reached org/k1 (version 1))\n"
        "caused by: while locking org/k0 (version 1) from pyproject.toml:1:1 → org/k1 (version 1)");
  // Within the limits, every one is locked.
  for (std::size_t i = 1; i <= kWide; ++i) g[dep(i)] = node(i, {});
  CHECK(walk_dependencies({{dep(0), ""}}, g, {64, kWide + 1}).lock.entries.size() == kWide + 1);
}
