// /api/... handlers: refs (E1), tree (E2), repo info (E3), whoami (E13), org overview (E14).
#include <algorithm>

#include "core/hash.hpp"
#include "server/http_errors.hpp"
#include "server/http_util.hpp"
#include "server/routes.hpp"

namespace kcpp::server {

using json = nlohmann::ordered_json;

namespace {

json ref_json(const GitRef& r) { return json{{"name", r.name}, {"ref", r.ref}, {"targetCommit", r.target_commit}}; }

json refs_json(const std::vector<GitRef>& refs) {
  json out = json::array();
  for (const auto& r : refs) out.push_back(ref_json(r));
  return out;
}

json entry_json(const TreeEntry& e) {
  json j{{"type", e.type == TreeEntry::Type::directory ? "directory" : "file"},
         {"oid", e.oid},
         {"size", e.size},
         {"path", e.path}};
  if (e.lfs) j["lfs"] = json{{"oid", e.lfs->oid}, {"size", e.lfs->size}, {"pointerSize", e.lfs->pointer_size}};
  return j;
}

bool flag_param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return false;
  auto v = http::parse_flag(req.get_param_value(name));
  if (!v) throw usage_error(std::string("query parameter '") + name + "' must be true/false/1/0");
  return *v;
}

// The URL of the next page: this request's URL with `cursor` replaced (and `limit` kept).
std::string next_page_url(const RequestContext& ctx, const std::string& cursor) {
  std::string query;
  for (const auto& [key, value] : ctx.req.params) {
    if (key == "cursor") continue;
    query += (query.empty() ? "" : "&") + http::percent_encode(key) + "=" + http::percent_encode(value);
  }
  query += (query.empty() ? "" : "&") + std::string("cursor=") + cursor;
  return ctx.base_url + ctx.raw_path + "?" + query;
}

}  // namespace

void handle_refs(RequestContext& ctx, const RepoId& repo) {
  RefListing refs = ctx.storage.list_refs(repo);
  json body{{"branches", refs_json(refs.branches)}, {"converts", json::array()}, {"tags", refs_json(refs.tags)}};
  if (flag_param(ctx.req, "include_prs")) body["pullRequests"] = refs_json(refs.pull_requests);
  set_json(ctx.res, body);
}

void handle_tree(RequestContext& ctx, const RepoId& repo, const std::string& revision, const std::string& path) {
  bool recursive = flag_param(ctx.req, "recursive");
  flag_param(ctx.req, "expand");  // validated, but lastCommit/securityFileStatus are not served
  long limit = kTreePageLimit;
  if (ctx.req.has_param("limit")) {
    try {
      limit = std::stol(ctx.req.get_param_value("limit"));
    } catch (const std::exception&) {
      throw usage_error("query parameter 'limit' must be a number");
    }
    limit = std::clamp(limit, 1L, kTreePageLimit);
  }
  // The cursor is the hex of the last path already returned: pages stay consistent even if
  // a branch moves between requests (paths are unique and sorted).
  std::string after;
  if (ctx.req.has_param("cursor")) {
    try {
      after = hash::from_hex(ctx.req.get_param_value("cursor"));
    } catch (const Error&) {
      throw usage_error("malformed pagination cursor");
    }
  }

  CommitInfo commit = ctx.storage.resolve_revision(repo, revision);
  TreePage page = ctx.storage.list_tree_page(repo, commit.sha, path, recursive, after, static_cast<std::size_t>(limit));
  json body = json::array();
  for (const auto& e : page.entries) body.push_back(entry_json(e));
  if (page.more)
    ctx.res.set_header("Link", "<" + next_page_url(ctx, hash::to_hex(page.entries.back().path)) + ">; rel=\"next\"");
  set_json(ctx.res, body);
}

void handle_info(RequestContext& ctx, const RepoId& repo, const std::optional<std::string>& revision) {
  CommitInfo commit = ctx.storage.resolve_revision(repo, revision.value_or("main"));
  std::vector<TreeEntry> entries = ctx.storage.list_tree(repo, commit.sha, "", true);
  json files = json::array();
  for (const auto& e : entries)
    if (e.type == TreeEntry::Type::file) files.push_back(e.path);

  json body{{"id", repo.str()},
            {"author", repo.ns()},
            {"sha", commit.sha},
            {"lastModified", http::iso8601_utc(commit.time)},
            {"private", false},
            {"gated", false},
            {"disabled", false},
            {"downloads", 0},
            {"likes", 0},
            {"isLikedByUser", false},
            {"repoType", std::string(type_name(repo.type()))},
            {"trustedPublisher", false}};
  if (repo.type() == RepoType::model) {
    // huggingface_hub's ModelInfo reads `siblings` (snapshot_download uses them for models);
    // `?blobs=true` adds sizes, blob ids and LFS info as on the Hub.
    bool blobs = flag_param(ctx.req, "blobs");
    json siblings = json::array();
    for (const auto& e : entries) {
      if (e.type != TreeEntry::Type::file) continue;
      json s{{"rfilename", e.path}};
      if (blobs) {
        s["size"] = e.size;
        s["blobId"] = e.oid;
        if (e.lfs) s["lfs"] = json{{"size", e.lfs->size}, {"sha256", e.lfs->oid}, {"pointerSize", e.lfs->pointer_size}};
      }
      siblings.push_back(std::move(s));
    }
    body["modelId"] = repo.str();
    body["tags"] = json::array();
    body["siblings"] = std::move(siblings);
  }
  body["files"] = std::move(files);
  set_json(ctx.res, body);
}

void handle_whoami(RequestContext& ctx, AuthState auth) {
  if (auth != AuthState::valid) {
    set_error(ctx.res, 401, "Unauthorized", "A valid token is required: send 'Authorization: Bearer <token>'");
    return;
  }
  json body{{"type", "user"},
            {"id", "kernels-hub"},
            {"name", "kernels-hub"},
            {"fullname", "kernels-hub"},
            {"isPro", false},
            {"orgs", json::array()},
            {"auth",
             json{{"type", "access_token"}, {"accessToken", json{{"displayName", "kernels-hub"}, {"role", "write"}}}}}};
  set_json(ctx.res, body);
}

void handle_org_overview(RequestContext& ctx, const std::string& org, bool trusted) {
  if (auto problem = repo_id_problem(org + "/x"); !problem.empty()) {
    set_error(ctx.res, 400, "BadRequest", "invalid organization name '" + org + "'");
    return;
  }
  set_json(ctx.res, json{{"name", org}, {"fullname", org}, {"trustedKernelPublisher", trusted}});
}

}  // namespace kcpp::server
