#include "repo/dependency.hpp"

#include <fmt/core.h>

#include "core/error.hpp"

namespace kcpp::repo {

StatedRepoId::StatedRepoId(std::string text, std::string origin) : text_(std::move(text)), origin_(std::move(origin)) {
  if (hub::repo_id_problem(text_).empty()) id_ = hub::parse_repo_id(text_);
}

const hub::RepoId& StatedRepoId::id() const {
  if (id_) return *id_;
  throw Error(ErrorKind::parse, fmt::format("{}{}invalid repo id '{}': {}", origin_, origin_.empty() ? "" : ": ",
                                            shown(), hub::repo_id_problem(text_)))
      .hint("repo ids look like 'kernels-community/activation'");
}

std::string StatedRepoId::shown() const { return hub::shown_repo_id(text_); }

std::string Dependency::str() const {
  return is_version() ? fmt::format("{} (version {})", repo.text(), major())
                      : fmt::format("{} (revision {})", repo.text(), rev());
}

}  // namespace kcpp::repo
