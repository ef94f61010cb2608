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
  if (s[0] == "kernels" && s.size() >= 5 && s[3] == "resolve") return match_resolve(s, 1, RepoType::kernel);
  if (s.size() >= 4 && s[2] == "resolve") return match_resolve(s, 0, RepoType::model);
  return {};
}

}  // namespace kcpp::server
