#pragma once
// How many connections kernels-hub serves at once, in all and per client address.
//
// Each connection holds a worker for as long as it lives (httplib serves a connection on one
// thread), so without a cap a client that opens connections and never finishes a request
// (slowloris) takes every worker and the API stops answering. Connections beyond a cap are
// answered 503 and closed at once, without reading them; the header timeout
// (guarded_server.hpp) bounds how long an admitted one may take to send its headers.
//
// "Per address": per IPv4 address, per IPv6 /64 (one host usually owns a whole /64, so a
// per-address cap would not hold it back). IPv4-mapped IPv6 addresses count as IPv4.
#include <sys/socket.h>

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace kcpp::server {

struct ConnectionCaps {
  std::size_t total = 768;        // all connections of both listeners (below the 1024 workers)
  std::size_t per_address = 256;  // 0: no per-address cap (every client behind one proxy)
};

// The key a peer counts under: "v4:1.2.3.4", "v6:2001:db8:0:1::/64"; "" for anything else
// (Unix sockets), which counts only towards the total.
std::string peer_key(const sockaddr* addr, socklen_t len);

class ConnectionLimits {
 public:
  explicit ConnectionLimits(ConnectionCaps caps) : caps_(caps) {}

  // A slot held for one connection; releases it when destroyed.
  class Slot {
   public:
    Slot(Slot&& other) noexcept : owner_(other.owner_), key_(std::move(other.key_)) { other.owner_ = nullptr; }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot& operator=(Slot&&) = delete;
    ~Slot();

   private:
    friend class ConnectionLimits;
    Slot(ConnectionLimits* owner, std::string key) : owner_(owner), key_(std::move(key)) {}
    ConnectionLimits* owner_;
    std::string key_;
  };

  // A slot for a connection from KEY, or nullopt when a cap is reached.
  std::optional<Slot> admit(const std::string& key);

  std::size_t open() const;
  std::size_t open_from(const std::string& key) const;

 private:
  void release(const std::string& key);

  const ConnectionCaps caps_;
  mutable std::mutex mu_;
  std::size_t total_ = 0;
  std::map<std::string, std::size_t> per_key_;
};

}  // namespace kcpp::server
