#include "hub/types.hpp"

#include <fmt/core.h>

#include "core/error.hpp"
#include "core/log.hpp"

namespace kcpp::hub {

std::string_view api_segment(RepoType t) { return t == RepoType::kernel ? "kernels" : "models"; }
std::string_view url_prefix(RepoType t) { return t == RepoType::kernel ? "kernels/" : ""; }
std::string_view type_name(RepoType t) { return t == RepoType::kernel ? "kernel" : "model"; }

RepoType parse_repo_type(std::string_view s) {
  if (s == "kernel") return RepoType::kernel;
  if (s == "model") return RepoType::model;
  throw usage_error(fmt::format("unknown repo type '{}'", s)).hint("use --type kernel or --type model");
}

std::optional<RepoType> repo_type_from_api_segment(std::string_view segment) {
  if (segment == "kernels") return RepoType::kernel;
  if (segment == "models") return RepoType::model;
  return std::nullopt;
}

namespace {

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Empty when PART is a valid namespace or name, else the reason.
std::string part_problem(std::string_view part, const char* what) {
  if (part.empty()) return std::string(what) + " is empty";
  if (part.size() > 96) return std::string(what) + " is longer than 96 characters";
  for (char c : part) {
    if (!is_word_char(c) && c != '-' && c != '.')
      return std::string(what) + " may only contain letters, digits, '-', '_' and '.'";
  }
  if (!is_word_char(part.front()) || !is_word_char(part.back()))
    return std::string(what) + " cannot start or end with '-' or '.'";
  if (part.find("--") != std::string_view::npos || part.find("..") != std::string_view::npos)
    return std::string(what) + " cannot contain '--' or '..'";
  return {};
}

}  // namespace

std::string repo_id_problem(std::string_view id) {
  auto slash = id.find('/');
  if (slash == std::string_view::npos) return "a repo id must have the form 'namespace/name'";
  if (id.find('/', slash + 1) != std::string_view::npos) return "a repo id has exactly one '/'";
  if (auto p = part_problem(id.substr(0, slash), "the namespace"); !p.empty()) return p;
  return part_problem(id.substr(slash + 1), "the name");
}

std::string shown_repo_id(std::string_view s) {
  constexpr std::size_t kMax = 200;
  std::string_view head = s;
  if (head.size() > kMax) {
    head = head.substr(0, kMax);
    while (!head.empty() && (static_cast<unsigned char>(head.back()) & 0xC0) == 0x80) head.remove_suffix(1);
    if (!head.empty() && static_cast<unsigned char>(head.back()) >= 0xC0) head.remove_suffix(1);
  }
  std::string out = log::escape_controls(head);
  if (head.size() < s.size()) out += fmt::format("… ({} bytes)", s.size());
  return out;
}

RepoId parse_repo_id(std::string_view s) {
  if (auto problem = repo_id_problem(s); !problem.empty())
    throw usage_error(fmt::format("invalid repo id '{}': {}", shown_repo_id(s), problem))
        .hint("repo ids look like 'kernels-community/activation'");
  auto slash = s.find('/');
  return RepoId{std::string(s.substr(0, slash)), std::string(s.substr(slash + 1))};
}

std::string repo_folder_name(RepoType type, const RepoId& repo) {
  return fmt::format("{}--{}--{}", api_segment(type), repo.ns, repo.name);
}

bool is_commit_sha(std::string_view s) {
  if (s.size() != 40) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace kcpp::hub
