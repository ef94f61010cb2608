// The LFS part of a commit (docs/hub-api.md E10): one batch request per 256 objects, then each
// object the store lacks is PUT (basic transfer) straight from disk by up to N threads and
// verified when the batch asks for it. Python's behaviour, minus multipart and Xet.
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/log.hpp"
#include "hub/client.hpp"
#include "hub/commit_payload.hpp"
#include "hub/commit_plan.hpp"
#include "hub/errors.hpp"
#include "core/parallel.hpp"
#include "hub/responses.hpp"
#include "hub/server_url.hpp"

namespace kcpp::hub {

namespace {

using json = nlohmann::json;

constexpr std::size_t kBatchObjects = 256;
// After the last byte of a PUT the store hashes and saves the object before answering.
constexpr std::chrono::milliseconds kStoreStall{2 * 60 * 1000};
constexpr const char* kLfsContentType = "application/vnd.git-lfs+json";

// One object of the upload: several paths may share its bytes.
struct LfsObject {
  std::string oid;
  std::uint64_t size = 0;
  std::vector<const PlannedAdd*> adds;
  std::optional<LfsBatchAction> upload, verify;  // no upload: the store has it already
};

// Why a header the batch answer asks us to send is refused, or nullopt: names must be HTTP
// tokens and values free of control characters (no header injection), and the headers
// libcurl frames the request with are ours to set.
std::optional<std::string> unsafe_action_header(const std::string& name, const std::string& value) {
  static const std::string kTokenChars = "!#$%&'*+-.^_`|~";
  if (name.empty() || name.size() > 256) return "the name is empty or too long";
  std::string lower;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && kTokenChars.find(c) == std::string::npos) return "the name is not an HTTP token";
    lower += static_cast<char>(std::tolower(u));
  }
  for (const char* framing : {"host", "content-length", "transfer-encoding", "connection", "expect", "upgrade", "te"})
    if (lower == framing) return "it would change how the request is framed";
  if (value.size() > 16 * 1024) return "the value is longer than 16 KiB";
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return "the value holds a control character";
  }
  return std::nullopt;
}

std::string paths_of(const LfsObject& o) {
  std::string s;
  for (const auto* a : o.adds) s += (s.empty() ? "'" : ", '") + a->path + "'";
  return s;
}

Error object_error(const LfsObject& o, const LfsBatchObject& answer) {
  const long code = answer.error_code;
  const std::string& message = answer.error_message;
  ErrorKind kind = code == 401 ? ErrorKind::unauthorized : code == 403 ? ErrorKind::forbidden : ErrorKind::http;
  Error e(kind, fmt::format("the Hub refused the LFS upload of {} ({} bytes, sha256 {})", paths_of(o), o.size, o.oid));
  e.cause(fmt::format("LFS batch error {}: {}", code, log::redact(message)));
  if (kind == ErrorKind::unauthorized || kind == ErrorKind::forbidden)
    e.hint("set HF_TOKEN to a token with write access to the repository (or run `hf auth login`)");
  return e;
}

// The bytes of A as a streamed body, from FILE (positional reads) or from A's content;
// REACHED is told the offset after each read. Stops with an error once CANCELLED is set
// (another object failed: no point in finishing this one).
BodySource body_of(const PlannedAdd& a, std::uint64_t size, const FileReader* file, const std::atomic<bool>& cancelled,
                   std::function<void(std::uint64_t)> reached) {
  return BodySource{size, [&a, file, &cancelled, reached = std::move(reached)](std::uint64_t offset, char* buf,
                                                                              std::size_t max) -> std::size_t {
                      if (cancelled) throw Error(ErrorKind::failure, "cancelled: another upload failed");
                      std::size_t got = 0;
                      if (file) {
                        got = file->read_at(offset, buf, max);
                      } else {
                        const std::string& c = *a.op->content;
                        got = offset < c.size() ? std::min<std::size_t>(max, c.size() - offset) : 0;
                        std::copy_n(c.data() + offset, got, buf);
                      }
                      if (got == 0)
                        throw Error(ErrorKind::io, fmt::format("{} is shorter than when it was hashed",
                                                               a.op->local_file.string()));
                      reached(offset + got);
                      return got;
                    }};
}

// ACTION of O's batch answer (at BATCH_URL) with its href checked by check_server_url() and
// its headers by unsafe_action_header(); nullopt stays nullopt.
std::optional<LfsBatchAction> checked_action(const std::optional<LfsBatchAction>& action, const char* name,
                                             const LfsObject& o, const std::string& batch_url,
                                             const UrlPolicy& policy) {
  if (!action) return std::nullopt;
  LfsBatchAction out = *action;
  out.href = check_server_url(action->href, batch_url, policy, fmt::format("the LFS {} href for {}", name, paths_of(o)));
  for (const auto& [k, v] : action->header)
    if (auto why = unsafe_action_header(k, v))
      throw Error(ErrorKind::http, fmt::format("refusing the LFS {} header '{}' for {} from the server", name,
                                               log::escape_controls(log::redact(k.substr(0, 100))), paths_of(o)))
          .cause(*why)
          .hint("the server is misconfigured or hostile; check HF_ENDPOINT");
  return out;
}

// Rewraps E (from a PUT or verify) so the message names the file; keeps kind, causes, hints.
Error upload_error(const LfsObject& o, const Error& e) {
  return e.in_context(fmt::format("cannot upload {} ({} bytes) to LFS storage", paths_of(o), o.size));
}

}  // namespace

std::uint64_t HubClient::upload_lfs_objects(RepoType type, const RepoId& repo, const std::string& revision,
                                            bool create_pr, const std::vector<const PlannedAdd*>& adds,
                                            int parallelism, ProgressTracker& progress) const {
  std::vector<LfsObject> objects;
  std::map<std::string, std::size_t> by_oid;
  for (const auto* a : adds) {
    auto [it, fresh] = by_oid.emplace(a->digest.sha256, objects.size());
    if (fresh) objects.push_back(LfsObject{a->digest.sha256, a->digest.size, {}, {}, {}});
    objects[it->second].adds.push_back(a);
  }

  RequestContext ctx = write_context(type, repo, revision, "upload LFS objects to");
  for (std::size_t start = 0; start < objects.size(); start += kBatchObjects) {
    std::size_t end = std::min(objects.size(), start + kBatchObjects);
    json list = json::array();
    for (std::size_t i = start; i < end; ++i) list.push_back({{"oid", objects[i].oid}, {"size", objects[i].size}});
    json body{{"operation", "upload"}, {"transfers", {"basic"}}, {"hash_algo", "sha256"}, {"objects", list}};
    // No ref for a pull request: its author may lack write access to the target branch.
    if (!create_pr) body["ref"] = {{"name", revision}};
    HttpRequest req;
    req.method = "POST";
    req.url = lfs_batch_url(type, repo);
    req.headers = {{"Accept", kLfsContentType}, {"Content-Type", kLfsContentType}};
    req.body = body.dump();
    auto r = send(std::move(req), ctx);
    const LfsBatchAnswer answer = parse_lfs_batch(r.body, repo, settings_.endpoint);
    if (answer.transfer && *answer.transfer != "basic")
      throw Error(ErrorKind::http, fmt::format("the Hub chose the LFS transfer '{}', but only 'basic' was offered",
                                               *answer.transfer));
    std::vector<bool> answered(end - start, false);
    for (const auto& o : answer.objects) {
      auto it = by_oid.find(o.oid);
      if (it == by_oid.end() || it->second < start || it->second >= end) continue;  // not asked for here
      LfsObject& object = objects[it->second];
      answered[it->second - start] = true;
      if (o.has_error) throw object_error(object, o);
      // Checked before any PUT: a file:// href would have the object written over a local file.
      object.upload = checked_action(o.upload, "upload", object, r.url, url_policy());
      object.verify = checked_action(o.verify, "verify", object, r.url, url_policy());
    }
    for (std::size_t i = start; i < end; ++i)
      if (!answered[i - start])
        throw Error(ErrorKind::parse, fmt::format("the LFS batch answer does not mention {} (sha256 {})",
                                                  paths_of(objects[i]), objects[i].oid));
  }

  std::atomic<bool> failed{false};
  std::atomic<std::uint64_t> sent{0};
  parallel_for(
      objects.size(), parallelism,
      [&](std::size_t i) {
        const LfsObject& o = objects[i];
        const auto shared = static_cast<std::int64_t>(o.size) * static_cast<std::int64_t>(o.adds.size() - 1);
        if (!o.upload) {  // already stored: nothing to send
          progress.add(static_cast<std::int64_t>(o.size) + shared, o.adds.size());
          return;
        }
        const PlannedAdd& a = *o.adds.front();
        try {
          std::unique_ptr<FileReader> file;
          if (!a.op->content) file = std::make_unique<FileReader>(a.op->local_file);
          std::uint64_t counted = 0;  // bytes of this object in `progress` (the current attempt's)
          HttpRequest put;
          put.method = "PUT";
          put.url = o.upload->href;
          put.headers = o.upload->header;
          put.decode_content = false;
          // A restarted PUT reads from 0 again: the delta is then negative.
          put.body_source = body_of(a, o.size, file.get(), failed, [&](std::uint64_t reached) {
            progress.add(static_cast<std::int64_t>(reached) - static_cast<std::int64_t>(counted));
            counted = reached;
          });
          // Presigned URLs get no token: send() adds Authorization for the endpoint's origin only.
          RequestContext put_ctx{repo, type, revision, a.path, settings_.endpoint};
          send(std::move(put), put_ctx, SendOptions{false, RetryMode::transient, {}, kStoreStall});
          progress.add(static_cast<std::int64_t>(o.size) - static_cast<std::int64_t>(counted) + shared, o.adds.size());
          sent += o.size;
          if (o.verify) {
            HttpRequest verify;
            verify.method = "POST";
            verify.url = o.verify->href;
            verify.headers = o.verify->header;
            verify.headers.emplace_back("Accept", kLfsContentType);
            verify.headers.emplace_back("Content-Type", kLfsContentType);
            verify.body = json{{"oid", o.oid}, {"size", o.size}}.dump();
            send(std::move(verify), put_ctx, SendOptions{false, RetryMode::transient, {}, kStoreStall});
          }
        } catch (const Error& e) {
          if (failed && e.kind() == ErrorKind::failure) throw;  // cancelled; the first error wins
          throw upload_error(o, e);
        }
      },
      &failed);
  return sent;
}

}  // namespace kcpp::hub
