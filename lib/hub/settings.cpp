#include "hub/settings.hpp"

#include <fstream>
#include <sstream>

#include "core/env.hpp"
#include "core/paths.hpp"

namespace kcpp::hub {

std::string endpoint_from_env() {
  std::string ep = env::get_nonempty("HF_ENDPOINT").value_or(kDefaultEndpoint);
  while (!ep.empty() && ep.back() == '/') ep.pop_back();
  return ep;
}

std::optional<std::string> token_from_env() {
  if (env::is_truthy("HF_HUB_DISABLE_IMPLICIT_TOKEN")) return std::nullopt;
  if (auto t = env::get_nonempty("HF_TOKEN")) return t;
  if (auto t = env::get_nonempty("HUGGING_FACE_HUB_TOKEN")) return t;
  std::filesystem::path file = env::get_nonempty("HF_TOKEN_PATH")
                                   ? paths::expand_user(*env::get_nonempty("HF_TOKEN_PATH"))
                                   : paths::hf_home() / "token";
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string t;
  for (char c : ss.str())
    if (c != '\r' && c != '\n') t += c;
  auto b = t.find_first_not_of(" \t");
  auto e = t.find_last_not_of(" \t");
  if (b == std::string::npos) return std::nullopt;
  return t.substr(b, e - b + 1);
}

bool offline_from_env() { return env::is_truthy("HF_HUB_OFFLINE") || env::is_truthy("TRANSFORMERS_OFFLINE"); }

ClientSettings settings_from_env() {
  ClientSettings s;
  s.endpoint = endpoint_from_env();
  s.token = token_from_env();
  s.offline = offline_from_env();
  auto secs = [](double v) { return std::chrono::milliseconds(static_cast<long>(v * 1000)); };
  s.timeouts.connect = secs(env::get_double("HF_HUB_ETAG_TIMEOUT", 10));
  s.timeouts.stall = secs(env::get_double("HF_HUB_DOWNLOAD_TIMEOUT", 10));
  // A typo must not switch a bound off: only positive values replace the defaults.
  auto positive = [](const char* name, double fallback) {
    double v = env::get_double(name, fallback);
    return v > 0 && v < 1e12 ? v : fallback;
  };
  s.max_response_bytes = static_cast<std::uint64_t>(
      positive("KCPP_MAX_RESPONSE_MB", static_cast<double>(kDefaultMaxResponseBytes >> 20)) * (1 << 20));
  s.timeouts.low_speed_bytes_per_s =
      static_cast<std::uint64_t>(positive("KCPP_LOW_SPEED_LIMIT", static_cast<double>(s.timeouts.low_speed_bytes_per_s)));
  s.timeouts.low_speed_window =
      secs(positive("KCPP_LOW_SPEED_TIME", static_cast<double>(s.timeouts.low_speed_window.count()) / 1000));
  s.api_deadline = secs(positive("KCPP_API_TIMEOUT", static_cast<double>(kDefaultApiDeadline.count()) / 1000));
  s.allow_http_redirects = env::is_truthy("KCPP_ALLOW_HTTP_REDIRECTS");
  s.retry = default_retry_policy();
  return s;
}

}  // namespace kcpp::hub
