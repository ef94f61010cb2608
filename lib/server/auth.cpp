#include "server/auth.hpp"

#include <cctype>

namespace kcpp::server {

TokenSet::TokenSet(std::vector<std::string> tokens) {
  for (auto& t : tokens)
    if (!t.empty()) tokens_.push_back(std::move(t));
}

bool TokenSet::contains(std::string_view token) const {
  bool found = false;
  for (const auto& t : tokens_) {
    // Compare every byte of equal-length candidates so timing does not reveal a prefix.
    unsigned diff = t.size() == token.size() ? 0u : 1u;
    for (std::size_t i = 0; i < t.size(); ++i)
      diff |= static_cast<unsigned char>(t[i]) ^ static_cast<unsigned char>(i < token.size() ? token[i] : 0);
    found |= diff == 0;
  }
  return found;
}

AuthState TokenSet::classify(std::string_view authorization) const {
  if (tokens_.empty() || authorization.empty()) return AuthState::anonymous;
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size()) return AuthState::invalid;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i]) return AuthState::invalid;
  auto token = authorization.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  return contains(token) ? AuthState::valid : AuthState::invalid;
}

}  // namespace kcpp::server
