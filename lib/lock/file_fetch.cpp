#include "lock/file_fetch.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "core/error.hpp"
#include "core/log.hpp"
#include "hub/errors.hpp"

namespace kcpp::lock {

namespace {

constexpr int kMaxRedirects = 5;

std::string resolve_location(const std::string& base, const std::string& location) {
  if (location.find("://") != std::string::npos) return location;
  auto scheme_end = base.find("://");
  auto path_start = base.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  std::string origin = path_start == std::string::npos ? base : base.substr(0, path_start);
  return origin + (location.empty() || location.front() != '/' ? "/" : "") + location;
}

bool transient(const Error& e) {
  return e.kind() == ErrorKind::network && !e.causes().empty() && e.causes().front() == "transient";
}

}  // namespace

std::string fetch_small_file(const hub::HubClient& client, hub::RepoType type, const hub::RepoId& repo,
                             const std::string& revision, const std::string& path, std::size_t max_bytes) {
  const auto& settings = client.settings();
  if (settings.offline)
    throw Error(ErrorKind::offline, fmt::format("cannot fetch '{}' of {}: offline mode is enabled", path, repo.str()));
  hub::RequestContext ctx{repo, type, revision, path, settings.endpoint};
  std::string url = client.resolve_url(type, repo, revision, path);
  double slept = 0;
  for (int attempt = 1, redirects = 0;;) {
    hub::HttpRequest req;
    req.url = url;
    req.decode_content = false;  // small files: compression would cost more than it saves
    if (!settings.user_agent.empty()) req.headers.emplace_back("User-Agent", settings.user_agent);
    if (settings.token && hub::same_origin(url, settings.endpoint))
      req.headers.emplace_back("Authorization", "Bearer " + *settings.token);
    std::string body;
    bool too_big = false;
    req.on_response_start = [](long status, const hub::Headers&) { return status < 300; };
    req.on_body = [&](std::string_view chunk) {
      if (body.size() + chunk.size() > max_bytes) {
        too_big = true;
        return false;
      }
      body.append(chunk);
      return true;
    };
    std::optional<double> retry_after;
    std::string failure;
    try {
      auto r = hub::perform(req, settings.timeouts);
      if (too_big) throw Error(ErrorKind::parse, "too big");
      if (r.status >= 200 && r.status < 300) return body;
      if (r.status >= 300 && r.status < 400) {
        auto location = r.header("location");
        if (!location || ++redirects > kMaxRedirects)
          throw Error(ErrorKind::http, fmt::format("GET {} answered HTTP {} without a usable redirect",
                                                   log::redact(url), r.status));
        url = resolve_location(url, *location);
        continue;
      }
      if (!hub::is_retryable_status(r.status) || attempt > settings.retry.max_retries)
        throw hub::error_from_response(r, "GET", ctx);
      if (auto ra = r.header("retry-after")) retry_after = hub::parse_retry_after(*ra);
      failure = fmt::format("HTTP {}", r.status);
    } catch (const Error& e) {
      if (too_big)
        throw Error(ErrorKind::parse, fmt::format("'{}' in {} at {} is larger than {} bytes", path, repo.str(),
                                                  revision, max_bytes));
      if (!transient(e)) throw;
      if (attempt > settings.retry.max_retries)
        throw Error(ErrorKind::network, fmt::format("cannot reach the Hub at {}", settings.endpoint))
            .cause(e.what())
            .hint("check HF_ENDPOINT and your network");
      failure = e.what();
    }
    double delay = hub::backoff_delay_s(settings.retry, attempt, retry_after, 0.5);
    if (slept + delay > settings.retry.max_total_s)
      throw Error(ErrorKind::network, fmt::format("giving up on the Hub at {} after {} attempts", settings.endpoint,
                                                  attempt))
          .cause(failure);
    spdlog::warn("GET {} failed: {} (attempt {}/{}), retrying in {:.1f}s", log::redact(url), log::redact(failure),
                 attempt, settings.retry.max_retries + 1, delay);
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
    slept += delay;
    ++attempt;
  }
}

}  // namespace kcpp::lock
