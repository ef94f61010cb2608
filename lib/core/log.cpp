#include "core/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <fmt/core.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "core/env.hpp"

namespace kcpp::log {

namespace {

// The log's output boundary: every message is redacted and passes escape_lines before the
// stderr sink formats it, so a server string logged anywhere (a file name, a ref, an error
// text) cannot drive the terminal or start a line of its own at column 0.
class EscapingSink final : public spdlog::sinks::sink {
 public:
  explicit EscapingSink(std::shared_ptr<spdlog::sinks::sink> inner) : inner_(std::move(inner)) {}
  void log(const spdlog::details::log_msg& msg) override {
    const std::string safe = escape_lines(redact(std::string_view(msg.payload.data(), msg.payload.size())), "  ");
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(safe.data(), safe.size());
    inner_->log(copy);
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> f) override { inner_->set_formatter(std::move(f)); }

 private:
  std::shared_ptr<spdlog::sinks::sink> inner_;
};

}  // namespace

void setup(int verbosity) {
  // Idempotent: the first call creates the logger, later calls only change the level.
  if (!spdlog::get("kcpp")) {
    auto sink = std::make_shared<EscapingSink>(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    auto logger = std::make_shared<spdlog::logger>("kcpp", std::move(sink));
    spdlog::register_logger(logger);
    logger->set_pattern(use_color(2) ? "%^%l%$: %v" : "%l: %v");
    spdlog::set_default_logger(logger);
  }
  spdlog::set_level(verbosity <= 0 ? spdlog::level::warn
                    : verbosity == 1 ? spdlog::level::info
                                     : spdlog::level::debug);
}

namespace {

// The three redactions below were std::regex_replace calls; libstdc++'s regex matcher
// recurses once per character, so a long token (e.g. a 100 kB error message a server sent)
// overflowed the stack. These scanners match exactly what the patterns matched:
//   (Bearer\s+)[^\s"']+            icase                → $1***
//   hf_[A-Za-z0-9]{6,}                                    → hf_***
//   ([?&](X-Amz-Signature|…|ticket)=)[^&\s]+   icase     → $1***
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }
bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool starts_icase(std::string_view s, std::size_t at, std::string_view word) {
  if (s.size() - at < word.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k)
    if (lower(s[at + k]) != lower(word[k])) return false;
  return true;
}

// Calls MATCH(s, i) at each position (leftmost first); MATCH returns {kept, end} for a match
// ending at END (the text from I is replaced by KEPT + "***"), or end == npos for none.
template <typename Match>
std::string replace_all(std::string_view s, Match match) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    auto [kept, end] = match(s, i);
    if (end == std::string_view::npos) {
      out += s[i++];
      continue;
    }
    out.append(s.substr(i, kept));
    out += "***";
    i = end;
  }
  return out;
}

constexpr std::pair<std::size_t, std::size_t> kNoMatch{0, std::string_view::npos};

std::pair<std::size_t, std::size_t> match_bearer(std::string_view s, std::size_t i) {
  if (!starts_icase(s, i, "bearer")) return kNoMatch;
  std::size_t j = i + 6;
  while (j < s.size() && is_space(s[j])) ++j;
  if (j == i + 6) return kNoMatch;
  std::size_t k = j;
  while (k < s.size() && !is_space(s[k]) && s[k] != '"' && s[k] != '\'') ++k;
  if (k == j) return kNoMatch;
  return {j - i, k};
}

std::pair<std::size_t, std::size_t> match_hf_token(std::string_view s, std::size_t i) {
  if (s.substr(i, 3) != "hf_") return kNoMatch;
  std::size_t k = i + 3;
  while (k < s.size() && is_alnum(s[k])) ++k;
  if (k - (i + 3) < 6) return kNoMatch;
  return {3, k};
}

std::pair<std::size_t, std::size_t> match_signature(std::string_view s, std::size_t i) {
  static constexpr std::string_view kNames[] = {"X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token",
                                                "Signature", "token", "ticket"};
  if (s[i] != '?' && s[i] != '&') return kNoMatch;
  for (std::string_view name : kNames) {
    if (!starts_icase(s, i + 1, name) || i + 1 + name.size() >= s.size() || s[i + 1 + name.size()] != '=') continue;
    std::size_t j = i + 2 + name.size();
    std::size_t k = j;
    while (k < s.size() && s[k] != '&' && !is_space(s[k])) ++k;
    if (k == j) return kNoMatch;
    return {j - i, k};
  }
  return kNoMatch;
}

}  // namespace

namespace {
std::mutex secrets_mu;
std::vector<std::string>& secrets() {
  static std::vector<std::string> list;
  return list;
}
}  // namespace

void add_secret(std::string_view secret) {
  if (secret.size() < 4) return;
  std::lock_guard<std::mutex> lock(secrets_mu);
  auto& list = secrets();
  if (std::find(list.begin(), list.end(), secret) == list.end()) list.emplace_back(secret);
}

std::string redact(std::string_view text) {
  std::string s = replace_all(text, match_bearer);
  s = replace_all(s, match_hf_token);
  s = replace_all(s, match_signature);
  // Registered secrets (add_secret), whatever their shape: plain find/replace, no regex.
  std::lock_guard<std::mutex> lock(secrets_mu);
  for (const auto& secret : secrets())
    for (auto pos = s.find(secret); pos != std::string::npos; pos = s.find(secret, pos + 3))
      s.replace(pos, secret.size(), "***");
  return s;
}

bool use_color(int fd) {
  if (env::get("NO_COLOR")) return false;
  return ::isatty(fd) == 1;
}

}  // namespace kcpp::log
