// Write API handlers: create repo (E6), preupload (E9), branches (E7) and the LFS basic
// transfer (E10: batch, PUT upload, verify); commits (E12) are in routes_commit.cpp.
// Shapes: docs/hub-api.md (the endpoint table).
#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "core/base64.hpp"
#include "core/fs.hpp"
#include "core/hash.hpp"
#include "server/commit_ndjson.hpp"
#include "server/guarded_server.hpp"
#include "server/http_errors.hpp"
#include "server/lfs_pointer.hpp"
#include "server/routes.hpp"

namespace kcpp::server {

using json = nlohmann::ordered_json;

namespace {

constexpr std::size_t kMaxTickets = 10000;

json parse_json_body(const httplib::Request& req, bool allow_empty) {
  if (allow_empty && req.body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  json j = json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw usage_error("the request body must be a JSON object");
  return j;
}

// The upload URL's ?size=, as the batch endpoint wrote it.
std::uint64_t upload_size_param(const httplib::Request& req) {
  std::uint64_t size = 0;
  auto v = req.get_param_value("size");
  if (v.empty() || std::from_chars(v.data(), v.data() + v.size(), size).ec != std::errc())
    throw usage_error("the upload URL needs ?size=");
  return size;
}

// The announced Content-Length, when httplib will frame the body by it (a chunked body's
// length is known only at its end).
std::optional<std::uint64_t> content_length(const httplib::Request& req) {
  if (strcasecmp(req.get_header_value("Transfer-Encoding").c_str(), "chunked") == 0) return std::nullopt;
  if (!req.has_header("Content-Length")) return std::nullopt;
  auto v = req.get_header_value("Content-Length");
  std::uint64_t n = 0;
  if (std::from_chars(v.data(), v.data() + v.size(), n).ec != std::errc()) return std::nullopt;
  return n;
}

void set_too_large(httplib::Response& res, std::uint64_t size) {
  set_error(res, 413, "PayloadTooLarge",
            "upload body larger than the " + std::to_string(size) + " bytes of its ticket");
}

}  // namespace

std::string UploadTickets::issue(const std::string& oid, std::uint64_t size) {
  std::string ticket = fs::random_hex(16);
  std::lock_guard<std::mutex> lock(mu_);
  if (tickets_.size() >= kMaxTickets) {
    auto oldest = std::min_element(tickets_.begin(), tickets_.end(),
                                   [](const auto& a, const auto& b) { return a.second.serial < b.second.serial; });
    tickets_.erase(oldest);
  }
  tickets_[ticket] = Entry{oid, size, next_serial_++};
  return ticket;
}

bool UploadTickets::check(const std::string& ticket, const std::string& oid, std::uint64_t size) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tickets_.find(ticket);
  return it != tickets_.end() && it->second.oid == oid && it->second.size == size;
}

void UploadTickets::consume(const std::string& ticket) {
  std::lock_guard<std::mutex> lock(mu_);
  tickets_.erase(ticket);
}

std::string repo_url(const RequestContext& ctx, const RepoId& repo) {
  return ctx.base_url + "/" + std::string(url_prefix(repo.type())) + repo.str();
}

void handle_create_repo(RequestContext& ctx, WriteContext& w) {
  json body = parse_json_body(ctx.req, false);
  auto str = [&](const char* key) -> std::string {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_string()) throw usage_error(std::string("'") + key + "' must be a string");
    return it->get<std::string>();
  };
  std::string name = str("name"), org = str("organization"), type = str("type");
  if (name.empty()) throw usage_error("'name' is required");
  RepoType rtype = type.empty() ? RepoType::model : parse_repo_type(type);
  RepoId repo = RepoId::parse(rtype, (org.empty() ? w.user : org) + "/" + name);
  std::string url = repo_url(ctx, repo);
  if (!ctx.storage.create_repo(repo)) {
    set_error(ctx.res, 409, "Conflict", "You already created this " + std::string(type_name(rtype)) + " repo");
    json err{{"error", "You already created this " + std::string(type_name(rtype)) + " repo"}, {"url", url}};
    ctx.res.set_content(err.dump(), "application/json");
    return;
  }
  // The Hub gives every new repository an initial commit on main (holding .gitattributes),
  // and clients rely on it: kernel-builder creates its version branch from main before it
  // commits anything. Ours has an empty tree, so listings show only what clients uploaded.
  CommitRequest initial;
  initial.ref = "refs/heads/main";
  initial.message = "initial commit";
  try {
    ctx.storage.commit(repo, initial);
  } catch (const ConflictError&) {
    // A writer committed to main in between: main exists, which is all this is for.
  }
  set_json(ctx.res, json{{"url", url}, {"name", repo.str()}, {"id", hash::sha1_hex(repo.display()).substr(0, 24)}});
}

void handle_preupload(RequestContext& ctx, const RepoId& repo, const std::string& revision) {
  json body = parse_json_body(ctx.req, false);
  auto files = body.find("files");
  if (files == body.end() || !files->is_array()) throw usage_error("'files' must be an array");
  if (files->size() > 1000) throw usage_error("at most 1000 files per preupload request");
  std::optional<std::string> commit;
  try {
    commit = ctx.storage.resolve_revision(repo, revision).sha;
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::revision_not_found) throw;
    if (!ctx.storage.list_refs(repo).branches.empty()) throw;  // an empty repo has no main yet
  }
  json out_files = json::array();
  for (const auto& f : *files) {
    if (!f.is_object() || !f.contains("path") || !f["path"].is_string())
      throw usage_error("each file needs a string 'path'");
    std::string path = f["path"].get<std::string>();
    check_repo_path(path);
    if (!f.contains("size") || !f["size"].is_number_unsigned())
      throw usage_error("file '" + path + "': 'size' must be a non-negative integer");
    std::uint64_t size = f["size"].get<std::uint64_t>();
    std::string sample;
    if (f.contains("sample") && f["sample"].is_string()) {
      try {
        sample = base64_decode(f["sample"].get<std::string>());
      } catch (const Error& e) {
        throw usage_error("file '" + path + "': sample: " + e.what());
      }
    }
    bool lfs = should_store_as_lfs(sample, size);
    json entry{{"path", path}, {"uploadMode", lfs ? "lfs" : "regular"}, {"shouldIgnore", false}};
    if (commit) {
      try {
        auto blob = ctx.storage.read_file(repo, *commit, path);
        entry["oid"] = blob.entry.lfs ? blob.entry.lfs->oid : blob.entry.oid;
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::entry_not_found) throw;
      }
    }
    out_files.push_back(std::move(entry));
  }
  json out{{"files", out_files}};
  if (commit) out["commitOid"] = *commit;
  set_json(ctx.res, out);
}

void handle_branch(RequestContext& ctx, const RepoId& repo, const std::string& branch) {
  std::string ref = branch_ref(branch.rfind("refs/heads/", 0) == 0 ? branch.substr(11) : branch);
  if (ctx.req.method == "DELETE") {
    if (ref == "refs/heads/main") throw Error(ErrorKind::forbidden, "the main branch cannot be deleted");
    ctx.storage.delete_ref(repo, ref);
    set_json(ctx.res, json::object());
    return;
  }
  json body = parse_json_body(ctx.req, true);
  std::string start = "main";
  if (auto it = body.find("startingPoint"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) throw usage_error("'startingPoint' must be a string");
    start = it->get<std::string>();
  }
  if (body.value("emptyBranch", false)) throw usage_error("'emptyBranch' is not supported");
  bool overwrite = body.contains("overwrite") && body["overwrite"].is_boolean() && body["overwrite"].get<bool>();
  // main is protected from a force-reset as from deletion: its history is what every client
  // resolves by default.
  if (overwrite && ref == "refs/heads/main") throw Error(ErrorKind::forbidden, "the main branch cannot be overwritten");
  auto commit = ctx.storage.resolve_revision(repo, start).sha;
  try {
    if (overwrite)
      ctx.storage.move_ref(repo, ref, commit);  // one atomic write, never a moment without the branch
    else
      ctx.storage.create_ref(repo, ref, commit);
  } catch (const ConflictError& e) {
    set_error(ctx.res, 409, "Conflict", overwrite ? std::string(e.what()) : "Reference already exists: " + ref);
    return;
  }
  set_json(ctx.res, json::object());
}

void handle_lfs_batch(RequestContext& ctx, WriteContext& w, const RepoId& repo) {
  json body = parse_json_body(ctx.req, false);
  std::string operation = body.value("operation", "");
  if (operation != "upload" && operation != "download")
    throw usage_error("'operation' must be \"upload\" or \"download\"");
  auto objects = body.find("objects");
  if (objects == body.end() || !objects->is_array()) throw usage_error("'objects' must be an array");
  if (body.contains("transfers") && body["transfers"].is_array()) {
    bool basic = false;
    for (const auto& t : body["transfers"]) basic |= t.is_string() && t.get<std::string>() == "basic";
    if (!basic) throw usage_error("only the 'basic' LFS transfer is supported");
  }
  std::string lfs_url = repo_url(ctx, repo) + ".git/info/lfs/objects";
  json out_objects = json::array();
  for (const auto& o : *objects) {
    std::string oid = o.is_object() && o.contains("oid") && o["oid"].is_string() ? o["oid"].get<std::string>() : "";
    bool size_ok = o.is_object() && o.contains("size") && o["size"].is_number_unsigned();
    std::uint64_t size = size_ok ? o["size"].get<std::uint64_t>() : 0;
    json entry{{"oid", oid}, {"size", size}};
    if (!is_sha256_hex(oid) || !size_ok) {
      entry["error"] = json{{"code", 422}, {"message", "oid must be 64 lower-case hex and size a non-negative integer"}};
      out_objects.push_back(std::move(entry));
      continue;
    }
    auto stored = ctx.storage.lfs().size_of(oid);
    if (operation == "download") {
      if (!stored)
        entry["error"] = json{{"code", 404}, {"message", "Object does not exist"}};
      else
        entry["actions"] = json{{"download", json{{"href", ctx.lfs_base_url + "/lfs-objects/" + oid}}}};
    } else if (!stored || *stored != size) {
      std::string ticket = w.tickets.issue(oid, size);
      entry["actions"] = json{
          {"upload",
           json{{"href", ctx.base_url + "/lfs-objects/" + oid + "?size=" + std::to_string(size) + "&ticket=" + ticket},
                {"header", json::object()}}},
          {"verify", json{{"href", lfs_url + "/verify"}, {"header", json::object()}}}};
    }
    out_objects.push_back(std::move(entry));
  }
  ctx.res.status = 200;
  ctx.res.set_content(json{{"transfer", "basic"}, {"objects", out_objects}, {"hash_algo", "sha256"}}.dump(),
                      "application/vnd.git-lfs+json");
}

void handle_lfs_verify(RequestContext& ctx, const RepoId&) {
  json body = parse_json_body(ctx.req, false);
  std::string oid = body.value("oid", "");
  if (!is_sha256_hex(oid) || !body.contains("size") || !body["size"].is_number_unsigned())
    throw usage_error("verify needs 'oid' (64 lower-case hex) and 'size'");
  auto stored = ctx.storage.lfs().size_of(oid);
  if (!stored) {
    set_error(ctx.res, 404, "EntryNotFound", "LFS object " + oid + " is not stored");
    return;
  }
  if (*stored != body["size"].get<std::uint64_t>()) {
    set_error(ctx.res, 422, "", "LFS object " + oid + " has size " + std::to_string(*stored));
    return;
  }
  set_json(ctx.res, json{{"oid", oid}, {"size", *stored}});
}

void handle_lfs_upload(RequestContext& ctx, WriteContext& w, const std::string& oid) {
  // Everything the URL and headers can tell is checked before a byte goes to disk: without a
  // valid ticket nobody can make the server write anything (the body is then only drained,
  // by the caller).
  if (!is_sha256_hex(oid)) throw usage_error("not an LFS object id: " + oid);
  std::uint64_t size = upload_size_param(ctx.req);
  if (!w.tickets.check(ctx.req.get_param_value("ticket"), oid, size))
    throw Error(ErrorKind::unauthorized, "no valid upload ticket for this object: ask the batch endpoint first");
  if (w.body == nullptr) throw Error(ErrorKind::failure, "LFS upload without a streamed body");
  if (auto announced = content_length(ctx.req)) {
    if (*announced > size) return set_too_large(ctx.res, size);
    if (*announced < size)
      throw usage_error("uploaded " + std::to_string(*announced) + " bytes, expected " + std::to_string(size));
  }

  // The temp file goes with `upload` on every path that does not publish it (refused content,
  // a client gone mid-body, a failed write, an exception).
  auto upload = ctx.storage.lfs().begin_upload();
  bool too_large = false;
  std::optional<Error> write_error;
  bool complete = w.body->read([&](const char* data, std::size_t len) {
    if (upload->size() + len > size) {  // a chunked body can exceed the ticket: keep no more
      too_large = true;
      return false;
    }
    try {
      upload->write(data, len);
    } catch (const Error& e) {  // disk full, ...: keep no more, answer after the body is drained
      write_error = e;
      return false;
    }
    return true;
  });
  if (!complete) {
    close_after_answer(ctx.req);
    throw usage_error("the upload body could not be read to its end (" + std::to_string(w.body->received()) +
                      " of " + std::to_string(size) + " bytes came)");
  }
  if (write_error) throw *write_error;
  if (too_large) return set_too_large(ctx.res, size);
  if (upload->size() != size)
    throw usage_error("uploaded " + std::to_string(upload->size()) + " bytes, expected " + std::to_string(size));
  if (upload->finish().oid != oid) throw usage_error("uploaded content does not hash to " + oid);
  upload->publish();
  // The ticket stays valid (until evicted, see kMaxTickets), as a presigned URL stays valid
  // until it expires: a client whose answer was lost retries the same PUT and must succeed.
  ctx.res.status = 200;
}

}  // namespace kcpp::server
