#pragma once
// A dependency on a kernel: a repository and either a major version (branch v{N}) or a
// revision. What pyproject.toml's [tool.kernels.dependencies], kernels.lock and a variant's
// metadata.json `kernel-depends` all state.
#include <compare>
#include <cstdint>
#include <string>
#include <variant>

namespace kcpp::repo {

struct Dependency {
  std::string repo_id;
  std::variant<std::uint64_t, std::string> spec;  // index 0: version N, index 1: revision

  static Dependency version(std::string repo_id, std::uint64_t n) { return {std::move(repo_id), n}; }
  static Dependency revision(std::string repo_id, std::string rev) { return {std::move(repo_id), std::move(rev)}; }

  bool is_version() const { return spec.index() == 0; }
  std::uint64_t major() const { return std::get<0>(spec); }
  const std::string& rev() const { return std::get<1>(spec); }
  // "org/name (version 1)" / "org/name (revision abc)"
  std::string str() const;

  // Upstream's order (derived Ord in Rust): repo id bytewise, then Version < Revision.
  auto operator<=>(const Dependency&) const = default;
  bool operator==(const Dependency&) const = default;
};

}  // namespace kcpp::repo
