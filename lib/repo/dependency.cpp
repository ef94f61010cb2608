#include "repo/dependency.hpp"

#include <fmt/core.h>

namespace kcpp::repo {

std::string Dependency::str() const {
  return is_version() ? fmt::format("{} (version {})", repo_id, major())
                      : fmt::format("{} (revision {})", repo_id, rev());
}

}  // namespace kcpp::repo
