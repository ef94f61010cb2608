#include "server/repo_id.hpp"

#include "core/error.hpp"

namespace kcpp::server {

RepoId RepoId::parse(RepoType type, std::string_view id) {
  if (auto problem = repo_id_problem(id); !problem.empty())
    throw usage_error("invalid repo id '" + std::string(id) + "': " + problem);
  auto slash = id.find('/');
  return RepoId(type, std::string(id.substr(0, slash)), std::string(id.substr(slash + 1)));
}

std::string RepoId::display() const { return std::string(api_segment(type_)) + "/" + str(); }

}  // namespace kcpp::server
