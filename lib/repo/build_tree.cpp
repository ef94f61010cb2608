#include "repo/build_tree.hpp"

#include <fmt/core.h>

#include <set>

#include "core/error.hpp"

namespace kcpp::repo {

namespace {
constexpr std::string_view kBuildPrefix = "build/";
}

std::string metadata_path(std::string_view variant) { return fmt::format("build/{}/metadata.json", variant); }

std::optional<BuildPath> split_build_path(std::string_view path) {
  if (!path.starts_with(kBuildPrefix) || path.size() == kBuildPrefix.size()) return std::nullopt;
  std::string_view rest = path.substr(kBuildPrefix.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return BuildPath{std::string(rest), ""};
  return BuildPath{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
}

std::vector<std::string> variant_dir_names(const std::vector<hub::TreeEntry>& entries) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& e : entries) {
    if (e.kind != hub::TreeEntry::Kind::directory) continue;
    auto p = split_build_path(e.path);
    if (!p || !p->rel.empty()) continue;
    if (seen.insert(p->variant).second) out.push_back(std::move(p->variant));
  }
  return out;
}

std::vector<hub::TreeEntry> list_build_tree(const hub::HubClient& client, const hub::RepoId& repo,
                                            const std::string& revision, bool recursive) {
  try {
    return client.list_tree(hub::RepoType::kernel, repo, revision, "build", recursive);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::entry_not_found) throw;
    throw Error(ErrorKind::entry_not_found, fmt::format("{} has no build/ directory at {}", repo.str(), revision))
        .cause(e.what())
        .hint("a kernel's version branch holds its builds as build/<variant>/…");
  }
}

}  // namespace kcpp::repo
