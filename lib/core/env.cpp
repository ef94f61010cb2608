#include "core/env.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace kcpp::env {

std::optional<std::string> get(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::optional<std::string> get_nonempty(const char* name) {
  auto v = get(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

bool is_truthy(const char* name) {
  auto v = get(name);
  if (!v) return false;
  std::string s = *v;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s == "1" || s == "ON" || s == "YES" || s == "TRUE";
}

long get_long(const char* name, long fallback) {
  auto v = get_nonempty(name);
  if (!v) return fallback;
  char* end = nullptr;
  long r = std::strtol(v->c_str(), &end, 10);
  return (end && *end == '\0') ? r : fallback;
}

double get_double(const char* name, double fallback) {
  auto v = get_nonempty(name);
  if (!v) return fallback;
  char* end = nullptr;
  double r = std::strtod(v->c_str(), &end);
  return (end && *end == '\0') ? r : fallback;
}

}  // namespace kcpp::env
