#pragma once
// Publisher trust, as kernels 0.17.2 checks it before locking a kernel
// (hub/_check_trust_remote_code, docs/hub-api.md E14): the publisher is the part of the repo id
// before "/"; GET {HF_ENDPOINT}/api/organizations/{publisher}/overview must answer an
// object whose `trustedKernelPublisher` is truthy. Any failure to get that answer (404 for
// a user namespace, network, malformed JSON) means "could not verify".
#include <optional>
#include <string>
#include <string_view>

#include "hub/client.hpp"

namespace kcpp::lock {

struct TrustAnswer {
  enum class Kind { trusted, untrusted, unverifiable };
  Kind kind = Kind::unverifiable;
  std::string detail;  // why unverifiable (HTTP status, network error, bad JSON)
};

// Asks the Hub about PUBLISHER (transient failures retried). Never throws for HTTP or
// network failures: they are an `unverifiable` answer.
TrustAnswer ask_publisher_trust(const hub::HubClient& client, const std::string& publisher);

// The publisher of REPO_ID: everything before the first "/" (all of it if none).
std::string publisher_of(std::string_view repo_id);

// kcpp::Error(failure) with upstream's message for a repo whose publisher is not trusted
// (or could not be verified), and a hint about --trust-remote-code.
void require_trusted(const TrustAnswer& answer, const std::string& repo_id);

}  // namespace kcpp::lock
