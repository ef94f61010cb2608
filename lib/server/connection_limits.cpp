#include "server/connection_limits.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace kcpp::server {

std::string peer_key(const sockaddr* addr, socklen_t len) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    return std::string("v4:") + text;
  }
  if (addr->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      in_addr v4;
      std::memcpy(&v4, in6->sin6_addr.s6_addr + 12, 4);
      inet_ntop(AF_INET, &v4, text, sizeof text);
      return std::string("v4:") + text;
    }
    in6_addr prefix = in6->sin6_addr;
    std::memset(prefix.s6_addr + 8, 0, 8);  // the /64 a host owns
    inet_ntop(AF_INET6, &prefix, text, sizeof text);
    return std::string("v6:") + text + "/64";
  }
  return "";
}

ConnectionLimits::Slot::~Slot() {
  if (owner_ != nullptr) owner_->release(key_);
}

std::optional<ConnectionLimits::Slot> ConnectionLimits::admit(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (total_ >= caps_.total) return std::nullopt;
  if (!key.empty() && caps_.per_address > 0) {
    auto it = per_key_.find(key);
    if (it != per_key_.end() && it->second >= caps_.per_address) return std::nullopt;
  }
  ++total_;
  if (!key.empty()) ++per_key_[key];
  return Slot(this, key);
}

void ConnectionLimits::release(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  --total_;
  if (key.empty()) return;
  auto it = per_key_.find(key);
  if (it != per_key_.end() && --it->second == 0) per_key_.erase(it);
}

std::size_t ConnectionLimits::open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_;
}

std::size_t ConnectionLimits::open_from(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = per_key_.find(key);
  return it == per_key_.end() ? 0 : it->second;
}

}  // namespace kcpp::server
