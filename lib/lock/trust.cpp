#include "lock/trust.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/error.hpp"
#include "core/log.hpp"

namespace kcpp::lock {

namespace {

// Python truthiness of a JSON value.
bool truthy(const nlohmann::json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer() || v.is_number_unsigned()) return v.get<long long>() != 0;
  if (v.is_number_float()) return v.get<double>() != 0.0;
  if (v.is_string() || v.is_array() || v.is_object()) return !v.empty();
  return false;
}

}  // namespace

std::string publisher_of(std::string_view repo_id) { return std::string(repo_id.substr(0, repo_id.find('/'))); }

TrustAnswer ask_publisher_trust(const hub::HubClient& client, const std::string& publisher) {
  const auto& settings = client.settings();
  hub::HttpRequest req;
  req.url = fmt::format("{}/api/organizations/{}/overview", settings.endpoint, hub::encode_component(publisher));
  if (!settings.user_agent.empty()) req.headers.emplace_back("User-Agent", settings.user_agent);
  if (settings.token) req.headers.emplace_back("Authorization", "Bearer " + *settings.token);
  if (settings.offline) return {TrustAnswer::Kind::unverifiable, "offline mode is enabled (HF_HUB_OFFLINE)"};

  for (int attempt = 1;; ++attempt) {
    std::optional<double> retry_after;
    try {
      auto r = hub::perform(req, settings.timeouts);
      if (r.status >= 200 && r.status < 300) {
        auto j = nlohmann::json::parse(r.body, nullptr, false);
        if (j.is_discarded() || !j.is_object())
          return {TrustAnswer::Kind::unverifiable, fmt::format("{} did not answer a JSON object", log::redact(req.url))};
        auto it = j.find("trustedKernelPublisher");
        bool trusted = it != j.end() && truthy(*it);
        return {trusted ? TrustAnswer::Kind::trusted : TrustAnswer::Kind::untrusted, ""};
      }
      std::string detail = fmt::format("GET {}: HTTP {}", log::redact(req.url), r.status);
      if (auto m = r.header("x-error-message")) detail += " (" + *m + ")";
      if (!hub::is_retryable_status(r.status) || attempt > settings.retry.max_retries)
        return {TrustAnswer::Kind::unverifiable, detail};
      if (auto ra = r.header("retry-after")) retry_after = hub::parse_retry_after(*ra);
    } catch (const Error& e) {
      bool transient = e.kind() == ErrorKind::network && !e.causes().empty() && e.causes().front() == "transient";
      if (!transient || attempt > settings.retry.max_retries)
        return {TrustAnswer::Kind::unverifiable, log::redact(e.what())};
    }
    double delay = hub::backoff_delay_s(settings.retry, attempt, retry_after, 0.5);
    spdlog::debug("organization overview of '{}' failed (attempt {}), retrying in {:.1f}s", publisher, attempt, delay);
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
  }
}

void require_trusted(const TrustAnswer& answer, const std::string& repo_id) {
  if (answer.kind == TrustAnswer::Kind::trusted) return;
  const std::string hint =
      "only kernels from publishers the Hub marks as trusted (trustedKernelPublisher) are locked; pass "
      "--trust-remote-code to lock kernels from other sources";
  if (answer.kind == TrustAnswer::Kind::untrusted)
    throw Error(ErrorKind::failure, fmt::format("Kernel repository '{}' is not from a trusted publisher", repo_id))
        .hint(hint);
  Error e(ErrorKind::failure, fmt::format("Kernel repository '{}' could not verify publisher trust status", repo_id));
  if (!answer.detail.empty()) e.cause(answer.detail);
  e.hint(hint);
  throw e;
}

}  // namespace kcpp::lock
