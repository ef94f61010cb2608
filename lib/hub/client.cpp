#include "hub/client.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "core/log.hpp"
#include "hub/errors.hpp"
#include "hub/responses.hpp"
#include "hub/server_url.hpp"

namespace kcpp::hub {

namespace {

struct Origin {
  std::string scheme, host, port;
};

Origin origin_of(const std::string& url) {
  Origin o;
  auto p = url.find("://");
  if (p == std::string::npos) return o;
  o.scheme = url.substr(0, p);
  std::string authority = url.substr(p + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  // "[::1]:8080" or "host:8080" or "host"
  auto bracket = authority.rfind(']');
  auto colon = authority.rfind(':');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    o.host = authority.substr(0, colon);
    o.port = authority.substr(colon + 1);
  } else {
    o.host = authority;
  }
  if (o.port.empty()) o.port = o.scheme == "https" ? "443" : "80";
  for (auto& c : o.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

std::string normalise_etag(std::string e) {
  if (e.starts_with("W/")) e = e.substr(2);
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
  return e;
}

std::uint64_t to_u64(const std::optional<std::string>& s) {
  if (!s) return 0;
  try {
    return std::stoull(*s);
  } catch (...) {
    return 0;
  }
}

// Whether a 206's Content-Range ("bytes START-END/TOTAL") starts at START.
bool content_range_starts_at(std::string_view range, std::uint64_t start) {
  if (range.substr(0, 6) != "bytes ") return false;
  range.remove_prefix(6);
  auto dash = range.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash > 19) return false;
  std::uint64_t v = 0;
  for (char c : range.substr(0, dash)) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v == start;
}

}  // namespace

bool same_origin(const std::string& a, const std::string& b) {
  auto x = origin_of(a), y = origin_of(b);
  return x.scheme == y.scheme && x.host == y.host && x.port == y.port;
}

HubClient::HubClient(ClientSettings settings) : settings_(std::move(settings)) {
  if (settings_.token) log::add_secret(*settings_.token);  // masked in every log line and error
}

std::string HubClient::api_url(RepoType type, const RepoId& repo) const {
  return fmt::format("{}/api/{}/{}", settings_.endpoint, api_segment(type), repo.str());
}

std::string HubClient::lfs_batch_url(RepoType type, const RepoId& repo) const {
  return fmt::format("{}/{}{}.git/info/lfs/objects/batch", settings_.endpoint, url_prefix(type), repo.str());
}

std::string HubClient::resolve_url(RepoType type, const RepoId& repo, const std::string& revision,
                                   const std::string& path) const {
  return fmt::format("{}/{}{}/resolve/{}/{}", settings_.endpoint, url_prefix(type), repo.str(),
                     encode_component(revision), encode_path(path));
}

Headers HubClient::base_headers(const std::string& url) const {
  Headers h;
  if (!settings_.user_agent.empty()) h.emplace_back("User-Agent", settings_.user_agent);
  if (settings_.token && same_origin(url, settings_.endpoint))
    h.emplace_back("Authorization", "Bearer " + *settings_.token);
  return h;
}

UrlPolicy HubClient::url_policy() const { return hub::url_policy(settings_.endpoint, settings_.allow_http_redirects); }

HttpResponse HubClient::send(HttpRequest request, const RequestContext& ctx, SendOptions options) const {
  if (settings_.offline)
    throw Error(ErrorKind::offline, fmt::format("cannot reach the Hub for {} '{}': offline mode is enabled",
                                                type_name(ctx.type), ctx.repo.str()))
        .hint("unset HF_HUB_OFFLINE to allow network access");
  auto extra = base_headers(request.url);
  request.headers.insert(request.headers.begin(), extra.begin(), extra.end());
  request.https_only = url_policy().https_only;
  if (request.max_body_bytes == 0) request.max_body_bytes = settings_.max_response_bytes;

  static thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  const auto& policy = settings_.retry;
  double slept = 0;
  for (int attempt = 1;; ++attempt) {
    std::optional<double> retry_after;
    std::string failure;
    try {
      HttpTimeouts timeouts = settings_.timeouts;
      if (options.min_stall) timeouts.stall = std::max(timeouts.stall, *options.min_stall);
      // API calls end by a deadline; an LFS PUT (body_source) is a file body, bounded by the
      // low-speed rule instead. Waiting for the server's work (min_stall) extends it.
      if (!request.body_source)
        timeouts.deadline = settings_.api_deadline + options.min_stall.value_or(std::chrono::milliseconds(0));
      HttpResponse r = perform(request, timeouts);
      bool ok = (r.status >= 200 && r.status < 300) ||
                (options.accept_redirect && r.status >= 300 && r.status < 400) ||
                std::find(options.pass_through.begin(), options.pass_through.end(), r.status) !=
                    options.pass_through.end();
      if (ok) return r;
      // An answer means the request reached the server: a commit must not be sent twice.
      // Except 429: a rate limiter refuses a request before anything acts on it (RFC 6585),
      // so even a commit may be sent again after waiting.
      const bool refused_unapplied = r.status == 429;
      if (!is_retryable_status(r.status) || attempt > policy.max_retries ||
          (options.retry == RetryMode::unsent_only && !refused_unapplied))
        throw error_from_response(r, request.method, ctx);
      if (auto ra = r.header("retry-after")) retry_after = parse_retry_after(*ra);
      failure = fmt::format("HTTP {}", r.status);
    } catch (Error& e) {
      bool transient = e.kind() == ErrorKind::network && e.is_transient();
      if (e.kind() != ErrorKind::network) throw;
      if (options.retry == RetryMode::unsent_only) {
        auto* transport = dynamic_cast<const TransportError*>(&e);
        bool unsent = transport != nullptr && transport->request_unsent();
        if (!unsent) {
          Error out(ErrorKind::network, fmt::format("the connection to the Hub at {} failed after the {} request was "
                                                    "sent: it may or may not have been applied",
                                                    settings_.endpoint, request.method));
          out.cause(e.what());
          out.hint("look at the branch's latest commit before re-running, so the change is not made twice");
          throw out;
        }
        transient = transient && unsent;
      }
      if (!transient || attempt > policy.max_retries) {
        Error out(ErrorKind::network, fmt::format("cannot reach the Hub at {}", settings_.endpoint));
        out.cause(e.what());
        out.hint("check HF_ENDPOINT and your network; set HF_HUB_OFFLINE=1 to use only the local cache");
        throw out;
      }
      failure = e.what();
    }
    const auto delay = budgeted_delay_s(policy, slept, backoff_delay_s(policy, attempt, retry_after, jitter(rng)));
    if (!delay) {
      throw Error(ErrorKind::network, fmt::format("giving up on the Hub at {} after {} attempts",
                                                  settings_.endpoint, attempt))
          .cause(failure);
    }
    spdlog::warn("{} (attempt {}/{}), retrying in {:.1f}s", log::redact(failure), attempt, policy.max_retries + 1,
                 *delay);
    std::this_thread::sleep_for(std::chrono::duration<double>(*delay));
    slept += *delay;
  }
}

Refs HubClient::list_refs(RepoType type, const RepoId& repo, bool include_prs) const {
  HttpRequest req;
  req.url = api_url(type, repo) + "/refs" + (include_prs ? "?include_prs=1" : "");
  RequestContext ctx{repo, type, std::nullopt, std::nullopt, settings_.endpoint};
  const std::string url = req.url;
  return parse_refs(send(std::move(req), ctx).body, "refs of " + repo.str(), url);
}

std::vector<TreeEntry> HubClient::list_tree(RepoType type, const RepoId& repo, const std::string& revision,
                                            const std::string& path, bool recursive) const {
  std::string url = fmt::format("{}/tree/{}", api_url(type, repo), encode_component(revision));
  if (!path.empty()) url += "/" + encode_path(path);
  url += fmt::format("?recursive={}&expand=false", recursive ? "true" : "false");
  RequestContext ctx{repo, type, revision, path.empty() ? std::nullopt : std::optional(path), settings_.endpoint};
  std::vector<TreeEntry> out;
  std::set<std::string> visited;
  std::uint64_t total = 0;  // bytes of all pages: endless pagination is bounded like one answer
  for (int page = 0; !url.empty(); ++page) {
    if (page > 100000) throw Error(ErrorKind::parse, "tree pagination does not end");
    // A next link back to a page already read would loop until the page limit.
    if (!visited.insert(url).second)
      throw Error(ErrorKind::parse, fmt::format("the Hub's tree listing of {} links back to a page already read ({})",
                                                repo.str(), log::redact(url)));
    HttpRequest req;
    req.url = url;
    auto r = send(std::move(req), ctx);
    total += r.body.size();
    if (total > settings_.max_response_bytes)
      throw Error(ErrorKind::http, fmt::format("the Hub's tree listing of {} is larger than {} over {} pages "
                                               "(KCPP_MAX_RESPONSE_MB)",
                                               repo.str(), format_bytes(settings_.max_response_bytes), page + 1))
          .hint("a listing this large is a misbehaving server; if it is expected, raise KCPP_MAX_RESPONSE_MB");
    for (auto& t : parse_tree_page(r.body, "tree of " + repo.str(), r.url)) out.push_back(std::move(t));
    auto link = r.header("link");
    auto next = link ? parse_link_next(*link) : std::nullopt;
    url = next ? check_server_url(*next, r.url, url_policy(),
                                  fmt::format("the next-page URL (Link: rel=next) of GET {}", log::redact(r.url)))
               : "";
  }
  return out;
}

RepoInfo HubClient::repo_info(RepoType type, const RepoId& repo, const std::string& revision) const {
  HttpRequest req;
  req.url = fmt::format("{}/revision/{}", api_url(type, repo), encode_component(revision));
  RequestContext ctx{repo, type, revision, std::nullopt, settings_.endpoint};
  const std::string url = req.url;
  return parse_repo_info(send(std::move(req), ctx).body, repo, revision, url);
}

FileMetadata HubClient::file_metadata(RepoType type, const RepoId& repo, const std::string& revision,
                                      const std::string& path) const {
  HttpRequest req;
  req.method = "HEAD";
  req.url = resolve_url(type, repo, revision, path);
  req.decode_content = false;
  RequestContext ctx{repo, type, revision, path, settings_.endpoint};
  auto r = send(req, ctx, /*accept_redirect=*/true);
  FileMetadata m;
  m.etag = normalise_etag(r.header("x-linked-etag").value_or(r.header("etag").value_or("")));
  m.commit = r.header("x-repo-commit").value_or("");
  bool redirect = r.status >= 300 && r.status < 400;
  m.size = r.header("x-linked-size") ? to_u64(r.header("x-linked-size"))
                                     : (redirect ? 0 : to_u64(r.header("content-length")));
  m.location = redirect
                   ? check_server_url(r.header("location").value_or(""), req.url, url_policy(),
                                      fmt::format("the redirect (Location) of HEAD {}", log::redact(req.url)))
                   : req.url;
  if (m.etag.empty() || m.commit.empty())
    throw Error(ErrorKind::parse, fmt::format("the Hub sent incomplete metadata for '{}' in {} at '{}'", path,
                                              repo.str(), revision))
        .hint("the server must send ETag (or X-Linked-Etag) and X-Repo-Commit");
  return m;
}

FileMetadata HubClient::download_file(RepoType type, const RepoId& repo, const std::string& revision,
                                     const std::string& path, const std::function<bool(std::string_view)>& sink,
                                     std::uint64_t offset, const std::function<void()>& on_restart,
                                     std::optional<std::uint64_t> expected_size) const {
  FileMetadata meta = file_metadata(type, repo, revision, path);
  RequestContext ctx{repo, type, revision, path, settings_.endpoint};
  // The size the body must have. The caller's comes from the commit's tree (what the bytes are
  // verified against), so it wins over the HEAD's; a HEAD that disagrees is only a warning.
  if (expected_size) {
    if (meta.size != 0 && meta.size != *expected_size)
      spdlog::warn("the Hub announces {} bytes for '{}' in {}, its tree listing {}; expecting {}", meta.size, path,
                   repo.str(), *expected_size, *expected_size);
    meta.size = *expected_size;
  }
  const bool size_known = expected_size.has_value() || meta.size > 0;
  const std::uint64_t limit = size_known ? meta.size : settings_.max_response_bytes;
  const DownloadBudget budget = download_budget(settings_.retry, limit);
  std::uint64_t position = offset;
  std::uint64_t received = 0;  // body bytes of all attempts (download_budget)
  int attempts = 0;
  int failures = 0;
  double slept = 0;  // waiting since the last byte arrived, bounded like send()'s (max_total_s)
  auto pause = [&](double wanted, const std::string& failure) {
    // A Retry-After of hours (a misconfigured or hostile server) must not hang a download.
    const auto delay = budgeted_delay_s(settings_.retry, slept, wanted);
    if (!delay)
      throw Error(ErrorKind::network, fmt::format("giving up on '{}' from {} after waiting {:.0f}s for the Hub", path,
                                                  repo.str(), slept))
          .cause(failure)
          .hint("the Hub keeps failing or asks to wait longer than kernels waits; retry later");
    std::this_thread::sleep_for(std::chrono::duration<double>(*delay));
    slept += *delay;
  };
  const auto whose = [&] { return fmt::format("'{}' from {}", path, repo.str()); };
  bool done = size_known && meta.size > 0 && position >= meta.size;
  while (!done) {
    if (attempts >= budget.max_attempts)
      throw Error(ErrorKind::network, fmt::format("giving up on {} after {} attempts ({} bytes received in all, at "
                                                  "byte {} of {})",
                                                  whose(), attempts, received, position, meta.size))
          .hint("the server keeps cutting or restarting the file; retry later, or check HF_ENDPOINT");
    ++attempts;
    HttpRequest req;
    req.url = meta.location;
    req.decode_content = false;           // never store encoded bytes
    req.headers = base_headers(req.url);  // Authorization only for the endpoint's origin
    req.https_only = url_policy().https_only;
    req.max_body_bytes = settings_.max_response_bytes;  // an error document
    const bool ranged = position > 0;
    if (ranged) req.headers.emplace_back("Range", fmt::format("bytes={}-", position));
    std::optional<Error> refusal;  // the answer breaks the file's contract: stop, keep nothing
    std::uint64_t attempt_bytes = 0;
    req.on_response_start = [&](long status, const Headers& headers) {
      if (status >= 300) return false;  // error document: keep it out of the file
      if (ranged && status == 200) {    // server ignored Range: start over
        if (on_restart) on_restart();
        position = 0;
      }
      auto header = [&](std::string_view name) -> std::optional<std::string> {
        for (const auto& [k, v] : headers)
          if (k == name) return v;
        return std::nullopt;
      };
      if (status == 206 && !content_range_starts_at(header("content-range").value_or(""), position))
        refusal = Error(ErrorKind::verification,
                        fmt::format("the Hub answered the Range request for {} from byte {} with another range ({})",
                                    whose(), position, log::escape_controls(header("content-range").value_or("none"))));
      // A whole body announced with another length than the file's, or a part longer than the rest.
      if (auto length = header("content-length"); length && !refusal) {
        const std::uint64_t announced = to_u64(length);
        const std::uint64_t rest = limit - std::min(limit, position);
        if (announced > rest || (size_known && status == 200 && announced != rest))
          refusal = Error(ErrorKind::verification,
                          size_known ? fmt::format("the Hub announces {} bytes (Content-Length) for {}, which does not "
                                                   "match its size of {} bytes",
                                                   announced, whose(), meta.size)
                                     : fmt::format("the Hub announces {} bytes (Content-Length) for {}, more than {} "
                                                   "(KCPP_MAX_RESPONSE_MB)",
                                                   announced, whose(), format_bytes(limit)));
      }
      return true;
    };
    req.on_body = [&](std::string_view chunk) {
      if (refusal) return false;
      if (chunk.size() > limit - std::min(limit, position)) {
        refusal = Error(ErrorKind::verification,
                        size_known ? fmt::format("the body of {} does not match its size: the Hub sent more than its "
                                                 "{} bytes",
                                                 whose(), meta.size)
                                   : fmt::format("{} is larger than {} (KCPP_MAX_RESPONSE_MB)", whose(),
                                                 format_bytes(settings_.max_response_bytes)));
        return false;
      }
      if (chunk.size() > budget.max_bytes - std::min(budget.max_bytes, received)) {
        refusal = Error(ErrorKind::network, fmt::format("giving up on {} after {} bytes received in all (the file has "
                                                        "{}): the server keeps starting it over",
                                                        whose(), received, meta.size));
        return false;
      }
      if (!sink(chunk)) return false;
      position += chunk.size();
      received += chunk.size();
      attempt_bytes += chunk.size();
      return true;
    };
    try {
      HttpResponse r;
      try {
        r = perform(req, settings_.timeouts);
      } catch (const Error&) {
        if (!refusal) throw;  // a refusal aborts the transfer: its own error, below
      }
      if (refusal) {
        if (on_restart) on_restart();  // nothing of a body that broke the contract is kept
        throw std::move(*refusal).hint("the server does not serve the file this commit lists; nothing of it was kept");
      }
      if (r.status >= 300) {
        if (is_retryable_status(r.status) && ++failures <= settings_.retry.max_retries) {
          std::optional<double> ra;
          if (auto h = r.header("retry-after")) ra = parse_retry_after(*h);
          pause(backoff_delay_s(settings_.retry, failures, ra, 0.5), fmt::format("HTTP {}", r.status));
          continue;
        }
        throw error_from_response(r, "GET", ctx);
      }
      if (!size_known || meta.size == 0) break;  // empty file (or size unknown): one complete response
      if (position < meta.size) throw Error(ErrorKind::network, "connection closed early").retry(Retry::transient);
      done = true;
    } catch (Error& e) {
      bool transient = e.kind() == ErrorKind::network && e.is_transient();
      // Bytes are progress, which renews the retry budget (as huggingface_hub does), unless
      // they came so slowly that the low-speed rule cut them off.
      auto* transport = dynamic_cast<const TransportError*>(&e);
      if (attempt_bytes > 0 && !(transport && transport->too_slow())) {
        failures = 0;
        slept = 0;
      }
      if (!transient || ++failures > settings_.retry.max_retries) throw;
      spdlog::warn("download of '{}' interrupted at byte {} ({}); resuming", path, position, e.what());
      pause(backoff_delay_s(settings_.retry, failures, std::nullopt, 0.5), e.what());
    }
  }
  if (size_known && meta.size > 0 && position != meta.size)
    throw Error(ErrorKind::verification, fmt::format("download of '{}' from {} ended at byte {} of {}", path,
                                                     repo.str(), position, meta.size));
  return meta;
}

std::string HubClient::fetch_small_file(RepoType type, const RepoId& repo, const std::string& revision,
                                        const std::string& path, std::size_t max_bytes) const {
  constexpr int kMaxRedirects = 5;
  RequestContext ctx{repo, type, revision, path, settings_.endpoint};
  std::string url = resolve_url(type, repo, revision, path);
  for (int redirects = 0;; ++redirects) {
    std::string body;
    bool too_big = false;
    HttpRequest req;
    req.url = url;
    req.decode_content = false;  // small files: compression costs more than it saves
    req.on_response_start = [&body](long status, const Headers&) {
      body.clear();  // a retried request starts over
      return status < 300;
    };
    req.on_body = [&](std::string_view chunk) {
      if (body.size() + chunk.size() > max_bytes) return !(too_big = true);
      body.append(chunk);
      return true;
    };
    auto r = send(std::move(req), ctx, /*accept_redirect=*/true);
    if (too_big)
      throw Error(ErrorKind::parse, fmt::format("'{}' in {} at {} is larger than {} bytes", path, repo.str(),
                                                revision, max_bytes));
    if (r.status < 300) return body;
    auto location = r.header("location");
    if (!location || redirects >= kMaxRedirects)
      throw Error(ErrorKind::http, fmt::format("GET {} answered HTTP {} without a usable redirect",
                                               log::redact(url), r.status));
    // Relative locations resolve against this request's URL; file://, gopher://, … are refused.
    url = check_server_url(*location, url, url_policy(),
                           fmt::format("the redirect (Location) of GET {}", log::redact(url)));
  }
}

bool HubClient::is_trusted_kernel_publisher(const std::string& org) const {
  HttpRequest req;
  req.url = fmt::format("{}/api/organizations/{}/overview", settings_.endpoint, encode_component(org));
  RequestContext ctx{RepoId{org, ""}, RepoType::kernel, std::nullopt, std::nullopt, settings_.endpoint,
                     fmt::format("organization '{}'", org)};
  const std::string url = req.url;
  return parse_publisher_overview(send(std::move(req), ctx).body, org, url);
}

bool HubClient::repo_exists(RepoType type, const RepoId& repo) const {
  try {
    list_refs(type, repo);
    return true;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::repo_not_found) return false;
    throw;
  }
}

}  // namespace kcpp::hub
