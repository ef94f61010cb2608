#pragma once
// Client settings resolved from the environment like huggingface_hub does: endpoint,
// token, offline mode, timeouts. Kept separate from HubClient so tests and commands can
// override any field.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "hub/http.hpp"

namespace kcpp::hub {

inline constexpr const char* kDefaultEndpoint = "https://huggingface.co";

inline constexpr std::uint64_t kDefaultMaxResponseBytes = 64ull << 20;
inline constexpr std::chrono::milliseconds kDefaultApiDeadline{300 * 1000};

struct ClientSettings {
  std::string endpoint = kDefaultEndpoint;  // no trailing "/"
  std::optional<std::string> token;
  std::string user_agent;
  bool offline = false;
  HttpTimeouts timeouts;  // `deadline` unset here: api_deadline is applied to API calls only
  RetryPolicy retry;
  // Largest API/JSON answer (and error document) kept in memory, on the decoded bytes.
  std::uint64_t max_response_bytes = kDefaultMaxResponseBytes;
  // Whole-request deadline of API calls (not of file bodies and LFS uploads).
  std::chrono::milliseconds api_deadline = kDefaultApiDeadline;
  // Accept http:// URLs from the server although the endpoint is https (server_url.hpp).
  bool allow_http_redirects = false;
};

// HF_ENDPOINT (trailing "/" removed) or the default.
std::string endpoint_from_env();

// First hit wins: HF_TOKEN, HUGGING_FACE_HUB_TOKEN, the file $HF_TOKEN_PATH (default
// $HF_HOME/token; whole file, CR/LF removed, trimmed; empty → none). None when
// HF_HUB_DISABLE_IMPLICIT_TOKEN is truthy.
std::optional<std::string> token_from_env();

// HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE truthy.
bool offline_from_env();

// Everything above plus timeouts (HF_HUB_ETAG_TIMEOUT, HF_HUB_DOWNLOAD_TIMEOUT), the
// transport's bounds (KCPP_MAX_RESPONSE_MB, KCPP_LOW_SPEED_LIMIT, KCPP_LOW_SPEED_TIME,
// KCPP_API_TIMEOUT, KCPP_ALLOW_HTTP_REDIRECTS; values that are not positive numbers keep the
// defaults) and the default retry policy; user_agent is left for the caller (user_agent.hpp).
ClientSettings settings_from_env();

}  // namespace kcpp::hub
