#pragma once
// A dependency on a kernel: a repository and either a major version (branch v{N}) or a
// revision. What pyproject.toml's [tool.kernels.dependencies], kernels.lock and a variant's
// metadata.json `kernel-depends` all state.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "hub/types.hpp"

namespace kcpp::repo {

// A repo id as a file states it. Upstream reads any string there (kernels.lock, kernel-depends),
// so an invalid one is kept, not refused when the file is read; whether it is valid is decided
// once, here, and where it was written (ORIGIN, "FILE:LINE:COL") travels with it, so that every
// command reports a bad one alike: "kernels.lock:3:18: invalid repo id 'x': why". Compared
// and ordered by its text only.
class StatedRepoId {
 public:
  StatedRepoId() = default;
  StatedRepoId(std::string text, std::string origin = {});  // NOLINT: a plain string converts
  StatedRepoId(const char* text) : StatedRepoId(std::string(text)) {}  // NOLINT

  const std::string& text() const noexcept { return text_; }
  const std::string& origin() const noexcept { return origin_; }
  bool valid() const noexcept { return id_.has_value(); }
  // The validated id; throws kcpp::Error(parse) "ORIGIN: invalid repo id 'TEXT': why" (with
  // a hint) when it is not one.
  const hub::RepoId& id() const;
  // TEXT as messages show it (escaped, bounded: hub::shown_repo_id).
  std::string shown() const;

  std::strong_ordering operator<=>(const StatedRepoId& o) const { return text_ <=> o.text_; }
  bool operator==(const StatedRepoId& o) const { return text_ == o.text_; }

 private:
  std::string text_;
  std::string origin_;
  std::optional<hub::RepoId> id_;
};

struct Dependency {
  StatedRepoId repo;
  std::variant<std::uint64_t, std::string> spec;  // index 0: version N, index 1: revision

  static Dependency version(StatedRepoId repo, std::uint64_t n) { return {std::move(repo), n}; }
  static Dependency revision(StatedRepoId repo, std::string rev) { return {std::move(repo), std::move(rev)}; }

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
