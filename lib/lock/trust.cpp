#include "lock/trust.hpp"

#include <fmt/core.h>

#include "core/error.hpp"
#include "core/log.hpp"

namespace kcpp::lock {

std::string publisher_of(std::string_view repo_id) { return std::string(repo_id.substr(0, repo_id.find('/'))); }

TrustAnswer ask_publisher_trust(const hub::HubClient& client, const std::string& publisher) {
  if (client.settings().offline) return {TrustAnswer::Kind::unverifiable, "offline mode is enabled (HF_HUB_OFFLINE)"};
  try {  // HubClient retries transient failures
    bool trusted = client.is_trusted_kernel_publisher(publisher);
    return {trusted ? TrustAnswer::Kind::trusted : TrustAnswer::Kind::untrusted, ""};
  } catch (const Error& e) {
    std::string detail = log::redact(e.what());
    for (const auto& c : e.causes()) detail += "; " + log::redact(c);
    return {TrustAnswer::Kind::unverifiable, detail};
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
