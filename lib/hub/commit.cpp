// HubClient::create_commit (docs/hub-api.md E9 → E10 → E12), in huggingface_hub's order: check
// the operations, hash the added files, ask the server where each goes (preupload), drop
// ignored and unchanged files, upload LFS objects, then post one NDJSON commit.
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/log.hpp"
#include "hub/client.hpp"
#include "hub/commit_payload.hpp"
#include "hub/commit_plan.hpp"
#include "hub/errors.hpp"
#include "core/parallel.hpp"
#include "hub/responses.hpp"

namespace kcpp::hub {

namespace {

using json = nlohmann::json;

constexpr std::size_t kPreuploadChunk = 256;  // files per preupload request, as huggingface_hub
constexpr int kMaxHashThreads = 8;
// huggingface_hub waits for a commit answer without any timeout; the Hub may take minutes
// for a large commit. Silence that long still ends (a dead link must not hang forever).
constexpr std::chrono::milliseconds kCommitStall{10 * 60 * 1000};

struct Deletion {
  std::string path;
  bool folder = false;
};

std::string checked_path(const CommitOperation& op) {
  std::string path = op.path_in_repo;
  if (op.kind == CommitOperation::Kind::delete_folder)
    while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (auto problem = repo_path_problem(path); !problem.empty())
    throw usage_error(fmt::format("invalid path in repo '{}': {}", op.path_in_repo, problem));
  return path;
}

// Splits OPS into planned additions and deletions; usage errors before any request.
void plan(const std::vector<CommitOperation>& ops, std::vector<PlannedAdd>& adds, std::vector<Deletion>& deletions) {
  std::set<std::string> seen;
  for (const auto& op : ops) {
    std::string path = checked_path(op);
    if (op.kind != CommitOperation::Kind::add) {
      deletions.push_back({path, op.kind == CommitOperation::Kind::delete_folder});
      continue;
    }
    if (op.content && !op.local_file.empty())
      throw usage_error(fmt::format("the addition of '{}' has both a local file and content: give one", path));
    if (!op.content && op.local_file.empty())
      throw usage_error(fmt::format("the addition of '{}' has neither a local file nor content", path));
    if (!seen.insert(path).second) spdlog::warn("'{}' is added twice in one commit: the last one wins", path);
    PlannedAdd a;
    a.op = &op;
    a.path = std::move(path);
    adds.push_back(std::move(a));
  }
}

void hash_all(std::vector<PlannedAdd>& adds) {
  int threads = std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, kMaxHashThreads);
  parallel_for(adds.size(), threads, [&](std::size_t i) {
    PlannedAdd& a = adds[i];
    if (a.op->content) {
      a.digest = digest_bytes(*a.op->content);
      return;
    }
    try {
      a.digest = digest_file(a.op->local_file);
    } catch (const Error& e) {
      throw Error(ErrorKind::io, fmt::format("cannot read the file to upload as '{}'", a.path)).cause(e.what());
    }
  });
}

// The bytes of a regular (inline) file, read once; a file that changed size since it was
// hashed is refused rather than committed with a wrong preupload answer.
const std::string& inline_bytes(PlannedAdd& a) {
  if (!a.inline_bytes) {
    if (a.op->content) {
      a.inline_bytes = *a.op->content;
    } else {
      a.inline_bytes = FileReader(a.op->local_file).read_all();
      if (a.inline_bytes->size() != a.digest.size)
        throw Error(ErrorKind::io, fmt::format("{} changed while it was being uploaded", a.op->local_file.string()))
            .hint("re-run once the file is no longer being written");
    }
  }
  return *a.inline_bytes;
}

std::string gitignore_content(std::vector<PlannedAdd>& adds) {
  for (auto& a : adds)
    if (a.path == ".gitignore" && a.digest.size <= 1024 * 1024) return inline_bytes(a);
  return {};
}

}  // namespace

std::optional<std::string> HubClient::fetch_upload_modes(RepoType type, const RepoId& repo,
                                                         const std::string& revision, bool create_pr,
                                                         std::vector<PlannedAdd>& adds) const {
  std::optional<std::string> head;
  const std::string gitignore = gitignore_content(adds);
  RequestContext ctx =
      write_context(type, repo, revision, create_pr ? "open a pull request on" : "create a commit on");
  for (std::size_t start = 0; start < adds.size(); start += kPreuploadChunk) {
    std::size_t end = std::min(adds.size(), start + kPreuploadChunk);
    json files = json::array();
    for (std::size_t i = start; i < end; ++i)
      files.push_back({{"path", adds[i].path}, {"size", adds[i].digest.size}, {"sample", base64_encode(adds[i].digest.sample)}});
    json body{{"files", files}};
    if (!gitignore.empty()) body["gitIgnore"] = gitignore;
    HttpRequest req;
    req.method = "POST";
    req.url = fmt::format("{}/preupload/{}{}", api_url(type, repo), encode_component(revision),
                          create_pr ? "?create_pr=1" : "");
    req.headers = {{"Content-Type", "application/json"}};
    req.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    auto r = send(std::move(req), ctx);
    const PreuploadAnswer answer = parse_preupload(r.body, repo);
    for (std::size_t i = start; i < end; ++i) {
      PlannedAdd& a = adds[i];
      auto it = answer.files.find(a.path);
      if (it == answer.files.end())
        throw Error(ErrorKind::parse, fmt::format("the Hub's preupload answer does not mention '{}'", a.path));
      const PreuploadFile& f = it->second;
      if (f.upload_mode != "lfs" && f.upload_mode != "regular")
        throw Error(ErrorKind::parse, fmt::format("the Hub sent upload mode '{}' for '{}'", f.upload_mode, a.path));
      a.lfs = f.upload_mode == "lfs" && a.digest.size > 0;  // empty objects are refused by S3: always inline
      a.ignore = f.should_ignore;
      if (f.oid) a.remote_oid = f.oid;
    }
    if (answer.commit_oid) head = answer.commit_oid;
  }
  return head;
}

CommitResult HubClient::create_commit(RepoType type, const RepoId& repo, const std::string& revision,
                                      const std::vector<CommitOperation>& ops, const CommitOptions& options) const {
  if (options.summary.empty()) throw usage_error("the commit summary is empty").hint("give the commit a message");
  if (revision.empty()) throw usage_error("the revision to commit to is empty");
  if (options.parent_commit && !is_commit_sha(*options.parent_commit))
    throw usage_error(fmt::format("the parent commit '{}' is not a full 40-hex commit id", *options.parent_commit));
  std::vector<PlannedAdd> adds;
  std::vector<Deletion> deletions;
  plan(ops, adds, deletions);
  hash_all(adds);

  CommitResult result;
  std::optional<std::string> head;
  if (!adds.empty()) head = fetch_upload_modes(type, repo, revision, options.create_pr, adds);

  std::vector<PlannedAdd*> kept;
  for (auto& a : adds) {
    if (a.ignore) {
      ++result.files_ignored;
      spdlog::info("'{}' matches the repository's .gitignore: not uploaded", a.path);
      continue;
    }
    if (options.skip_unchanged && a.remote_oid) {
      std::string local_oid = a.lfs ? a.digest.sha256 : hash::git_blob_id(inline_bytes(a));
      if (local_oid == *a.remote_oid) {
        ++result.files_skipped;
        continue;
      }
    }
    kept.push_back(&a);
  }
  const std::string commit_page = fmt::format("{}/{}{}/commit/", settings_.endpoint, url_prefix(type), repo.str());
  if (kept.empty() && deletions.empty()) {
    // Like huggingface_hub: no empty commit; report the revision's current head.
    if (!head && adds.empty()) head = repo_info(type, repo, revision).sha;
    spdlog::info("nothing changed in {} at '{}': no commit made", repo.str(), revision);
    result.commit_oid = head.value_or("");
    if (head) result.commit_url = commit_page + *head;
    return result;
  }

  std::uint64_t bytes_total = 0;
  for (const auto* a : kept) bytes_total += a->digest.size;
  ProgressTracker progress(options.on_progress, kept.size(), bytes_total);
  std::vector<const PlannedAdd*> lfs;
  for (const auto* a : kept)
    if (a->lfs) lfs.push_back(a);
  if (!lfs.empty())
    result.lfs_bytes_sent = upload_lfs_objects(type, repo, revision, options.create_pr, lfs,
                                               std::max(1, options.lfs_parallelism), progress);

  std::string payload = ndjson_header(options.summary, options.description, options.parent_commit);
  std::uint64_t inline_total = 0;
  for (auto* a : kept) {
    if (a->lfs) {
      payload += ndjson_lfs_file(a->path, a->digest.sha256, a->digest.size);
      ++result.files_uploaded_lfs;
    } else {
      payload += ndjson_file(a->path, inline_bytes(*a));
      inline_total += a->digest.size;
      ++result.files_inline;
    }
  }
  for (const auto& d : deletions) payload += d.folder ? ndjson_deleted_folder(d.path) : ndjson_deleted_file(d.path);
  result.deletions = deletions.size();

  HttpRequest req;
  req.method = "POST";
  req.url = fmt::format("{}/commit/{}{}", api_url(type, repo), encode_component(revision),
                        options.create_pr ? "?create_pr=1" : "");
  req.headers = {{"Content-Type", "application/x-ndjson"}};
  req.body = std::move(payload);
  RequestContext ctx = write_context(type, repo, revision,
                                     options.create_pr ? "open a pull request on" : "create a commit on");
  HttpResponse r;
  try {
    // Never resent once it may have reached the server: a lost answer would duplicate the commit.
    r = send(std::move(req), ctx, SendOptions{false, RetryMode::unsent_only, {}, kCommitStall});
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::precondition_failed || !options.parent_commit) throw;
    Error out(ErrorKind::precondition_failed,
              fmt::format("cannot commit to '{}' of {}: the branch moved since {} (the parent commit given)", revision,
                          repo.str(), *options.parent_commit));
    for (const auto& c : e.causes()) out.cause(c);
    throw std::move(out).hint("someone else committed meanwhile: re-run to commit on top of the new head");
  }
  const CommitAnswer answer = parse_commit_answer(r.body, repo);
  result.committed = true;
  result.commit_oid = answer.commit_oid;
  result.commit_url = answer.commit_url.value_or(commit_page + result.commit_oid);
  if (answer.pull_request_url) {
    result.pr_url = *answer.pull_request_url;
    result.pr_num = pr_number_from_url(*result.pr_url);
    if (result.pr_num) result.pr_revision = fmt::format("refs/pr/{}", *result.pr_num);
  }
  progress.add(static_cast<std::int64_t>(inline_total), result.files_inline);
  return result;
}

}  // namespace kcpp::hub
