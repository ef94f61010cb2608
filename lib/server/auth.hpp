#pragma once
// Bearer-token checks. Tokens come from `serve --token`; reads stay anonymous, but a request
// that presents credentials the server does not know is refused (401), like the Hub does, so
// clients notice a wrong token early. Tokens are never logged.
#include <string>
#include <string_view>
#include <vector>

namespace kcpp::server {

enum class AuthState {
  anonymous,  // no Authorization header, or no tokens configured
  valid,      // a configured token
  invalid,    // tokens are configured and the header does not carry one of them
};

class TokenSet {
 public:
  explicit TokenSet(std::vector<std::string> tokens);
  bool empty() const noexcept { return tokens_.empty(); }
  // Constant-time with respect to the token contents.
  bool contains(std::string_view token) const;
  // Classifies an Authorization header value ("" when absent). Only the "Bearer" scheme
  // (case-insensitive) can carry a token.
  AuthState classify(std::string_view authorization) const;

 private:
  std::vector<std::string> tokens_;
};

}  // namespace kcpp::server
