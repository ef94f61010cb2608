#include "hub/responses.hpp"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/log.hpp"
#include "hub/commit_payload.hpp"

namespace kcpp::hub {

namespace {

using json = nlohmann::json;

// nlohmann's accessors (value(), get<T>(), at()) throw json::type_error on a value of another
// type, which escaped as an internal error; every read below checks the type first.

json parse_body(std::string_view body, const std::string& what, const std::string& url) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded())
    throw Error(ErrorKind::parse, fmt::format("the Hub sent malformed JSON for {} ({})", what, log::redact(url)));
  return j;
}

[[noreturn]] void unexpected(const std::string& what, const std::string& url, const std::string& detail) {
  throw Error(ErrorKind::parse,
              fmt::format("the Hub sent an unexpected answer for {} ({}): {}", what, log::redact(url), detail));
}

const char* type_of(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number";
    default: return "a value";
  }
}

// Reads members of one object, each with its type checked; WHERE names the object in
// messages ("branches[2]"). WHAT and URL must outlive it.
class Members {
 public:
  Members(const json& j, std::string where, const std::string& what, const std::string& url)
      : j_(j), where_(std::move(where)), what_(what), url_(url) {
    if (!j.is_object()) fail(fmt::format("{} is {}, not an object", where_, type_of(j)));
  }

  [[noreturn]] void fail(const std::string& detail) const { unexpected(what_, url_, detail); }

  const json* find(const char* key) const {
    auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  std::optional<std::string> string(const char* key) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) fail(fmt::format("`{}` of {} is {}, not a string", key, where_, type_of(*v)));
    return v->get<std::string>();
  }
  std::uint64_t size(const char* key) const {
    const json* v = find(key);
    if (!v) return 0;
    if (!v->is_number_unsigned() && !(v->is_number_integer() && v->get<std::int64_t>() >= 0))
      fail(fmt::format("`{}` of {} is {}, not a non-negative integer", key, where_,
                       v->is_number_integer() ? "negative" : type_of(*v)));
    return v->get<std::uint64_t>();
  }
  bool boolean(const char* key) const {
    const json* v = find(key);
    if (!v) return false;
    if (!v->is_boolean()) fail(fmt::format("`{}` of {} is {}, not a boolean", key, where_, type_of(*v)));
    return v->get<bool>();
  }
  const json& array(const char* key) const {
    const json* v = find(key);
    if (!v) fail(fmt::format("{} has no `{}`", where_, key));
    if (!v->is_array()) fail(fmt::format("`{}` of {} is {}, not an array", key, where_, type_of(*v)));
    return *v;
  }

 private:
  const json& j_;
  std::string where_;
  const std::string& what_;
  const std::string& url_;
};

bool is_object_id(std::string_view s) {
  if (s.size() != 40 && s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

void read_refs(const Members& m, const char* key, bool required, std::vector<GitRef>& out, const std::string& what,
               const std::string& url) {
  if (!required && !m.find(key)) return;
  const json& list = m.array(key);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string where = fmt::format("{}[{}]", key, i);
    Members r(list[i], where, what, url);
    GitRef ref;
    ref.name = r.string("name").value_or("");
    ref.ref = r.string("ref").value_or("");
    ref.target_commit = r.string("targetCommit").value_or("");
    // It names a snapshot directory in the cache and goes into kernels.lock as is.
    if (!is_object_id(ref.target_commit))
      r.fail(fmt::format("`targetCommit` of {} ('{}') is not a commit id", where,
                         log::redact(ref.target_commit.substr(0, 80))));
    out.push_back(std::move(ref));
  }
}

}  // namespace

Refs parse_refs(std::string_view body, const std::string& what, const std::string& url) {
  json j = parse_body(body, what, url);
  Members m(j, "the answer", what, url);
  Refs refs;
  read_refs(m, "branches", true, refs.branches, what, url);
  read_refs(m, "tags", false, refs.tags, what, url);
  read_refs(m, "pullRequests", false, refs.pull_requests, what, url);
  return refs;
}

std::vector<TreeEntry> parse_tree_page(std::string_view body, const std::string& what, const std::string& url) {
  json j = parse_body(body, what, url);
  if (!j.is_array()) unexpected(what, url, fmt::format("the answer is {}, not an array", type_of(j)));
  std::vector<TreeEntry> out;
  out.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    Members e(j[i], fmt::format("entry {}", i), what, url);
    TreeEntry t;
    std::string kind = e.string("type").value_or("unknown");
    t.kind = kind == "file" ? TreeEntry::Kind::file
             : kind == "directory" ? TreeEntry::Kind::directory
                                   : TreeEntry::Kind::unknown;
    t.path = e.string("path").value_or("");
    t.oid = e.string("oid").value_or("");
    t.size = e.size("size");
    if (const json* l = e.find("lfs"); l && l->is_object()) {
      Members lfs(*l, fmt::format("`lfs` of entry {}", i), what, url);
      t.lfs = LfsInfo{lfs.string("oid").value_or(""), lfs.size("size"), lfs.size("pointerSize")};
    }
    if (const json* x = e.find("xetHash"); x && x->is_string()) t.xet_hash = x->get<std::string>();
    out.push_back(std::move(t));
  }
  return out;
}

RepoInfo parse_repo_info(std::string_view body, const RepoId& repo, const std::string& revision,
                         const std::string& url) {
  const std::string what = "info of " + repo.str();
  json j = parse_body(body, what, url);
  Members m(j, "the answer", what, url);
  RepoInfo info;
  info.id = m.string("id").value_or(repo.str());
  info.sha = m.string("sha").value_or("");
  info.is_private = m.boolean("private");
  // "gated" is false or a string ("auto" / "manual") on the Hub.
  if (const json* g = m.find("gated")) info.gated = g->is_string() || (g->is_boolean() && g->get<bool>());
  if (!is_commit_sha(info.sha))
    throw Error(ErrorKind::parse, fmt::format("the Hub sent no commit sha for {} at '{}'", repo.str(), revision));
  return info;
}

WhoAmI parse_whoami(std::string_view body, const std::string& url) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw Error(ErrorKind::parse, fmt::format("the Hub sent malformed JSON for whoami ({})", log::redact(url)));
  auto string_or = [](const json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  WhoAmI who;
  who.name = string_or(j, "name");
  who.type = string_or(j, "type");
  if (auto orgs = j.find("orgs"); orgs != j.end() && orgs->is_array())
    for (const auto& o : *orgs)
      if (o.is_object() && o.contains("name") && o["name"].is_string()) who.orgs.push_back(o["name"].get<std::string>());
  if (auto auth = j.find("auth"); auth != j.end() && auth->is_object())
    if (auto token = auth->find("accessToken"); token != auth->end() && token->is_object())
      who.token_role = string_or(*token, "role");
  if (who.name.empty()) throw Error(ErrorKind::parse, "the Hub's whoami answer has no account name");
  return who;
}

bool parse_publisher_overview(std::string_view body, const std::string& org, const std::string& url) {
  json j = parse_body(body, "overview of " + org, url);
  if (!j.is_object()) throw Error(ErrorKind::parse, fmt::format("the Hub sent no object for organization '{}'", org));
  auto it = j.find("trustedKernelPublisher");
  if (it == j.end()) return false;
  const auto& v = *it;  // Python truthiness
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_unsigned()) return v.get<std::uint64_t>() != 0;
  if (v.is_number_integer()) return v.get<std::int64_t>() != 0;
  if (v.is_number_float()) return v.get<double>() != 0.0;
  // nlohmann's empty() is false for every string: Python's bool("") is False.
  if (v.is_string()) return !v.get_ref<const std::string&>().empty();
  if (v.is_array() || v.is_object()) return !v.empty();
  return false;
}

std::string parse_create_repo(std::string_view body, const std::string& fallback, bool lenient,
                              const std::string& url) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    if (lenient) return fallback;
    throw Error(ErrorKind::parse, fmt::format("the Hub sent malformed JSON for create repo ({})", log::redact(url)));
  }
  auto it = j.find("url");
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

PreuploadAnswer parse_preupload(std::string_view body, const RepoId& repo) {
  auto answer = json::parse(body, nullptr, false);
  if (answer.is_discarded() || !answer.is_object() || !answer.contains("files") || !answer["files"].is_array())
    throw Error(ErrorKind::parse, fmt::format("the Hub sent a malformed preupload answer for {}", repo.str()));
  PreuploadAnswer out;
  for (const auto& f : answer["files"]) {
    if (!f.is_object() || !f.contains("path") || !f["path"].is_string()) continue;
    const std::string path = f["path"].get<std::string>();
    PreuploadFile file;
    if (auto mode = f.find("uploadMode"); mode != f.end()) {
      if (!mode->is_string())
        throw Error(ErrorKind::parse, fmt::format("the Hub sent a malformed preupload answer for {}: `uploadMode` "
                                                  "of '{}' is {}, not a string",
                                                  repo.str(), path, type_of(*mode)));
      file.upload_mode = mode->get<std::string>();
    }
    file.should_ignore = f.contains("shouldIgnore") && f["shouldIgnore"].is_boolean() && f["shouldIgnore"].get<bool>();
    if (f.contains("oid") && f["oid"].is_string()) file.oid = f["oid"].get<std::string>();
    out.files[path] = std::move(file);
  }
  if (answer.contains("commitOid") && answer["commitOid"].is_string())
    out.commit_oid = answer["commitOid"].get<std::string>();
  return out;
}

namespace {

std::optional<LfsBatchAction> parse_action(const json& actions, const char* name, const std::string& endpoint) {
  auto it = actions.find(name);
  if (it == actions.end() || !it->is_object()) return std::nullopt;
  auto href = it->find("href");
  if (href == it->end() || !href->is_string())
    throw Error(ErrorKind::parse, fmt::format("the LFS batch answer has a '{}' action without href", name));
  LfsBatchAction a{rewrite_hub_href(href->get<std::string>(), endpoint), {}};
  if (auto h = it->find("header"); h != it->end() && h->is_object())
    for (const auto& [k, v] : h->items()) {
      // chunk_size and numbered part URLs mean the multipart extension, which needs a
      // different protocol (PUT each part, then a completion POST).
      if (k == "chunk_size")
        throw Error(ErrorKind::http, "the Hub answered with a multipart LFS upload, which is not supported")
            .hint("only the basic transfer is implemented; files under 5 GB should get it");
      if (v.is_string()) a.header.emplace_back(k, v.get<std::string>());
    }
  return a;
}

}  // namespace

LfsBatchAnswer parse_lfs_batch(std::string_view body, const RepoId& repo, const std::string& endpoint) {
  auto answer = json::parse(body, nullptr, false);
  if (answer.is_discarded() || !answer.is_object() || !answer.contains("objects") || !answer["objects"].is_array())
    throw Error(ErrorKind::parse, fmt::format("the Hub sent a malformed LFS batch answer for {}", repo.str()));
  LfsBatchAnswer out;
  if (auto t = answer.find("transfer"); t != answer.end() && t->is_string()) out.transfer = t->get<std::string>();
  for (const auto& o : answer["objects"]) {
    if (!o.is_object()) continue;
    auto oid = o.find("oid");
    if (oid == o.end() || !oid->is_string()) continue;
    LfsBatchObject object;
    object.oid = oid->get<std::string>();
    if (auto err = o.find("error"); err != o.end()) {
      object.has_error = true;
      const json& e = *err;
      if (e.is_object() && e.contains("code") && e["code"].is_number_integer())
        object.error_code = static_cast<long>(e["code"].get<std::int64_t>());
      object.error_message = e.is_object() && e.contains("message") && e["message"].is_string()
                                 ? e["message"].get<std::string>()
                                 : std::string("no message");
    } else if (auto actions = o.find("actions"); actions != o.end() && actions->is_object()) {
      object.upload = parse_action(*actions, "upload", endpoint);
      object.verify = parse_action(*actions, "verify", endpoint);
    }
    out.objects.push_back(std::move(object));
  }
  return out;
}

CommitAnswer parse_commit_answer(std::string_view body, const RepoId& repo) {
  auto answer = json::parse(body, nullptr, false);
  if (answer.is_discarded() || !answer.is_object() || !answer.contains("commitOid") || !answer["commitOid"].is_string())
    throw Error(ErrorKind::parse, fmt::format("the Hub accepted the commit to {} but sent no commit id", repo.str()));
  CommitAnswer out;
  out.commit_oid = answer["commitOid"].get<std::string>();
  if (auto url = answer.find("commitUrl"); url != answer.end() && url->is_string()) out.commit_url = url->get<std::string>();
  if (auto pr = answer.find("pullRequestUrl"); pr != answer.end() && pr->is_string())
    out.pull_request_url = pr->get<std::string>();
  return out;
}

}  // namespace kcpp::hub
