#pragma once
// One small repo file in one GET (no HEAD first, unlike HubClient::download_file): the
// resolve URL, redirects followed (Authorization only to the endpoint's origin), transient
// failures retried like HubClient does, errors typed by hub::error_from_response.
// For files a command reads and throws away (metadata.json), not for cached downloads.
// (A candidate for HubClient itself.)
#include <cstddef>
#include <string>

#include "hub/client.hpp"

namespace kcpp::lock {

// The bytes of PATH in REPO at REVISION; kcpp::Error(parse) when larger than MAX_BYTES.
std::string fetch_small_file(const hub::HubClient& client, hub::RepoType type, const hub::RepoId& repo,
                             const std::string& revision, const std::string& path, std::size_t max_bytes);

}  // namespace kcpp::lock
