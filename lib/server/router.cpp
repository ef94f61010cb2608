#include "server/router.hpp"

namespace kcpp::server {

namespace {

using Segments = std::vector<std::string>;

std::string join(const Segments& s, std::size_t from) {
  std::string out;
  for (std::size_t i = from; i < s.size(); ++i) {
    if (!out.empty() && !s[i].empty()) out += '/';
    out += s[i];
  }
  return out;
}

// Takes the revision starting at segment I; returns the index after it.
std::size_t take_revision(const Segments& s, std::size_t i, Route& route) {
  if (s[i] == "refs" && i + 2 < s.size() &&
      (s[i + 1] == "heads" || s[i + 1] == "tags" || s[i + 1] == "pr" || s[i + 1] == "convert")) {
    route.revision = s[i] + "/" + s[i + 1] + "/" + s[i + 2];
    return i + 3;
  }
  route.revision = s[i];
  return i + 1;
}

Route match_api(const Segments& s) {
  Route r;
  if (s.size() == 2 && s[1] == "whoami-v2") {
    r.kind = Route::Kind::whoami;
    return r;
  }
  if (s.size() == 4 && s[1] == "organizations" && s[3] == "overview") {
    r.kind = Route::Kind::org_overview;
    r.repo_id = s[2];  // the organization name
    return r;
  }
  if (s.size() == 2 && s[1] == "validate-yaml") {
    r.kind = Route::Kind::validate_yaml;
    return r;
  }
  if (s.size() == 3 && s[1] == "repos" && s[2] == "create") {
    r.kind = Route::Kind::create_repo;
    return r;
  }
  if (s.size() < 4) return r;
  auto type = repo_type_from_api_segment(s[1]);
  if (!type) return r;
  r.type = *type;
  r.repo_id = s[2] + "/" + s[3];
  if (s.size() == 4) {
    r.kind = Route::Kind::repo_info;
  } else if (s[4] == "revision" && s.size() >= 6) {
    r.kind = Route::Kind::repo_info;
    r.revision = join(s, 5);
  } else if (s[4] == "refs" && s.size() == 5) {
    r.kind = Route::Kind::repo_refs;
  } else if (s[4] == "tree" && s.size() >= 6) {
    r.kind = Route::Kind::repo_tree;
    r.path = join(s, take_revision(s, 5, r));
  } else if ((s[4] == "commit" || s[4] == "preupload" || s[4] == "branch") && s.size() >= 6) {
    r.kind = s[4] == "commit" ? Route::Kind::repo_commit
             : s[4] == "preupload" ? Route::Kind::repo_preupload
                                   : Route::Kind::repo_branch;
    if (take_revision(s, 5, r) != s.size()) r.kind = Route::Kind::unknown;
  }
  return r;
}

// Resolve route whose {ns} is at segment I.
Route match_resolve(const Segments& s, std::size_t i, RepoType type) {
  Route r;
  r.kind = Route::Kind::resolve;
  r.type = type;
  r.repo_id = s[i] + "/" + s[i + 1];
  r.path = join(s, take_revision(s, i + 3, r));
  return r;
}

}  // namespace

Route match_route(const Segments& s) {
  if (s.empty()) return {};
  if (s[0] == "api") return match_api(s);
  if (s[0] == "lfs-objects") {
    Route r;
    if (s.size() == 2) {
      r.kind = Route::Kind::lfs_object;
      r.oid = s[1];
    }
    return r;
  }
  // {ns}/{name}.git/info/lfs/objects/{batch|verify}, kernels/ prefixed for kernel repos.
  for (std::size_t i : {std::size_t{0}, std::size_t{1}}) {
    if (i == 1 && s[0] != "kernels") continue;
    if (s.size() != i + 6) continue;
    const auto& name = s[i + 1];
    if (name.size() <= 4 || name.compare(name.size() - 4, 4, ".git") != 0) continue;
    if (s[i + 2] != "info" || s[i + 3] != "lfs" || s[i + 4] != "objects") continue;
    if (s[i + 5] != "batch" && s[i + 5] != "verify") continue;
    Route r;
    r.kind = s[i + 5] == "batch" ? Route::Kind::lfs_batch : Route::Kind::lfs_verify;
    r.type = i == 1 ? RepoType::kernel : RepoType::model;
    r.repo_id = s[i] + "/" + name.substr(0, name.size() - 4);
    return r;
  }
  if (s[0] == "kernels" && s.size() >= 5 && s[3] == "resolve") return match_resolve(s, 1, RepoType::kernel);
  if (s.size() >= 4 && s[2] == "resolve") return match_resolve(s, 0, RepoType::model);
  return {};
}

}  // namespace kcpp::server
