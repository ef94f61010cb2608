#include "hub/types.hpp"

#include <fmt/core.h>

#include "core/error.hpp"

namespace kcpp::hub {

std::string_view api_segment(RepoType t) { return t == RepoType::kernel ? "kernels" : "models"; }
std::string_view url_prefix(RepoType t) { return t == RepoType::kernel ? "kernels/" : ""; }
std::string_view type_name(RepoType t) { return t == RepoType::kernel ? "kernel" : "model"; }

RepoType parse_repo_type(std::string_view s) {
  if (s == "kernel") return RepoType::kernel;
  if (s == "model") return RepoType::model;
  throw usage_error(fmt::format("invalid repo type '{}': expected 'kernel' or 'model'", s));
}

namespace {
std::string check_part(std::string_view full, std::string_view part, const char* what) {
  auto bad = [&](const std::string& why) {
    return usage_error(fmt::format("invalid repo id '{}': {}", full, why))
        .hint("repo ids look like 'kernels-community/activation'");
  };
  if (part.empty()) throw bad(fmt::format("empty {}", what));
  if (part.size() > 96) throw bad(fmt::format("{} is longer than 96 characters", what));
  for (char c : part) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == '.';
    if (!ok) throw bad(fmt::format("{} contains '{}' (allowed: letters, digits, '-', '_', '.')", what, c));
  }
  if (part.find("--") != std::string_view::npos || part.find("..") != std::string_view::npos)
    throw bad(fmt::format("{} contains '--' or '..'", what));
  if (part.front() == '-' || part.front() == '.' || part.back() == '-' || part.back() == '.')
    throw bad(fmt::format("{} starts or ends with '-' or '.'", what));
  return std::string(part);
}
}  // namespace

RepoId parse_repo_id(std::string_view s) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos || s.find('/', slash + 1) != std::string_view::npos)
    throw usage_error(fmt::format("invalid repo id '{}': expected \"namespace/name\"", s))
        .hint("repo ids look like 'kernels-community/activation'");
  return RepoId{check_part(s, s.substr(0, slash), "namespace"), check_part(s, s.substr(slash + 1), "name")};
}

bool is_commit_sha(std::string_view s) {
  if (s.size() != 40) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace kcpp::hub
