#include "server/guarded_server.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netdb.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

namespace kcpp::server {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

thread_local ConnectionState* t_current = nullptr;

int to_ms(Clock::duration d) {
  auto ms = std::chrono::duration_cast<milliseconds>(d).count();
  return static_cast<int>(std::clamp<long long>(ms < 0 ? 0 : ms + 1, 0, 24 * 3600 * 1000));
}

// Waits until FD has EVENTS, STOP_FD (when >= 0) is readable, or TIMEOUT_MS pass.
// 1: FD is ready; 0: timeout; -1: stop requested or poll error.
int wait_fd(int fd, short events, int stop_fd, int timeout_ms) {
  pollfd fds[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
  for (;;) {
    int n = ::poll(fds, stop_fd >= 0 ? 2 : 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) return 0;
    if (stop_fd >= 0 && (fds[1].revents & POLLIN)) return -1;
    return 1;
  }
}

// A Stream over one connection, kept for all its requests (so bytes of a pipelined request
// read ahead stay buffered). While a deadline is set (the request line and headers), reads
// fail once it has passed and writes too, so httplib's own 400 for the cut request is not
// sent: the loop answers 408 instead.
class DeadlineStream final : public httplib::Stream {
 public:
  DeadlineStream(socket_t sock, int stop_fd, Clock::duration read_timeout, Clock::duration write_timeout)
      : sock_(sock), stop_fd_(stop_fd), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

  void set_deadline(Clock::time_point deadline) {
    deadline_ = deadline;
    has_deadline_ = true;
  }
  void clear_deadline() { has_deadline_ = false; }
  bool expired() const { return expired_; }

  // Waits at most TIMEOUT (and never past the deadline) for a request's first byte. False on
  // timeout, on shutdown, or when the peer is gone.
  bool wait_for_request(Clock::duration timeout) {
    if (off_ < len_) return true;
    if (has_deadline_) timeout = std::min(timeout, deadline_ - Clock::now());
    return wait_fd(sock_, POLLIN, stop_fd_, to_ms(timeout)) == 1;
  }

  bool is_readable() const override { return off_ < len_ || wait_fd(sock_, POLLIN, -1, to_ms(read_timeout_)) == 1; }
  bool is_writable() const override { return !expired_ && wait_fd(sock_, POLLOUT, -1, to_ms(write_timeout_)) == 1; }

  ssize_t read(char* ptr, size_t size) override {
    if (off_ < len_) return take(ptr, size);
    if (expired_) return -1;
    Clock::duration timeout = read_timeout_;
    if (has_deadline_) {
      auto left = deadline_ - Clock::now();
      if (left <= Clock::duration::zero()) {
        expired_ = true;
        return -1;
      }
      timeout = std::min(timeout, left);
    }
    int ready = wait_fd(sock_, POLLIN, has_deadline_ ? stop_fd_ : -1, to_ms(timeout));
    if (ready != 1) {
      if (ready == 0 && has_deadline_ && Clock::now() >= deadline_) expired_ = true;
      return -1;
    }
    if (size < sizeof buf_) {
      ssize_t n = recv_some(buf_, sizeof buf_);
      if (n <= 0) return n;
      off_ = 0;
      len_ = static_cast<std::size_t>(n);
      return take(ptr, size);
    }
    return recv_some(ptr, size);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (expired_ || wait_fd(sock_, POLLOUT, -1, to_ms(write_timeout_)) != 1) return -1;
    for (;;) {
      ssize_t n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { describe(::getpeername, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { describe(::getsockname, ip, port); }
  socket_t socket() const override { return sock_; }

 private:
  ssize_t take(char* ptr, size_t size) {
    std::size_t n = std::min(size, len_ - off_);
    std::copy(buf_ + off_, buf_ + off_ + n, ptr);
    off_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t recv_some(char* ptr, size_t size) {
    for (;;) {
      ssize_t n = ::recv(sock_, ptr, size, 0);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }

  template <typename Fn>
  void describe(Fn get, std::string& ip, int& port) const {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (get(sock_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    if (::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, serv, sizeof serv,
                      NI_NUMERICHOST | NI_NUMERICSERV) != 0)
      return;
    ip = host;
    port = std::atoi(serv);
  }

  socket_t sock_;
  int stop_fd_;
  Clock::duration read_timeout_, write_timeout_;
  Clock::time_point deadline_{};
  bool has_deadline_ = false;
  bool expired_ = false;
  char buf_[4096];
  std::size_t off_ = 0, len_ = 0;
};

// A complete error answer in the server's shape, for the answers the loop sends itself.
std::string raw_answer(int status, const char* reason, const char* code, const std::string& message,
                       const std::string& extra_headers = "") {
  std::string body = "{\"error\":\"" + message + "\"}";  // MESSAGE: our own text, nothing to escape
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: application/json\r\nX-Error-Code: " +
         code + "\r\nX-Error-Message: " + message + "\r\n" + extra_headers + "Connection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Reads and drops what the peer sends, for at most TIME and BYTES (or until it closes), so
// that closing does not reset the connection before the peer read our answer.
void drain(socket_t sock, Clock::duration time, std::size_t bytes) {
  char scratch[16384];
  auto until = Clock::now() + time;
  std::size_t got = 0;
  while (got < bytes) {
    auto left = until - Clock::now();
    if (left <= Clock::duration::zero() || wait_fd(sock, POLLIN, -1, to_ms(left)) != 1) return;
    ssize_t n = ::recv(sock, scratch, sizeof scratch, MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return;
    got += static_cast<std::size_t>(n);
  }
}

// Logs "cap reached" at most once per 10 s: a flood must not flood the log too.
void note_refusal(const std::string& key) {
  static std::atomic<long long> last{0};
  long long now = std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
  long long prev = last.load();
  if (now - prev >= 10 && last.compare_exchange_strong(prev, now))
    spdlog::warn("connection cap reached: refusing connections with 503 (latest from {})",
                 key.empty() ? std::string("a local socket") : key.substr(3));
}

}  // namespace

ConnectionState* ConnectionState::current() { return t_current; }

void close_after_answer(const httplib::Request& req) {
  // The Request is a mutable object owned by httplib's connection loop; its "Connection:
  // close" makes httplib say so in the answer.
  auto& mutable_req = const_cast<httplib::Request&>(req);
  mutable_req.headers.erase("Connection");  // the client's "keep-alive" would be found first
  mutable_req.set_header("Connection", "close");
  if (t_current != nullptr) t_current->close_after_answer();
}

GuardedServer::GuardedServer(std::shared_ptr<ConnectionLimits> limits, ConnectionOptions options)
    : limits_(std::move(limits)), options_(options), stop_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

GuardedServer::~GuardedServer() {
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

void GuardedServer::request_stop() {
  std::uint64_t one = 1;
  if (stop_fd_ >= 0) [[maybe_unused]] auto n = ::write(stop_fd_, &one, sizeof one);
}

void GuardedServer::refuse_busy(socket_t sock) {
  char scratch[16384];
  for (int i = 0; i < 4 && ::recv(sock, scratch, sizeof scratch, MSG_DONTWAIT) > 0; ++i) {
  }
  std::string answer = raw_answer(503, "Service Unavailable", "ServiceUnavailable",
                                  "too many connections: retry later", "Retry-After: 1\r\n");
  [[maybe_unused]] auto n = ::send(sock, answer.data(), answer.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(sock, SHUT_WR);
  drain(sock, milliseconds(100), 64 * 1024);
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
  const auto accepted = Clock::now();
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  std::string key = ::getpeername(sock, reinterpret_cast<sockaddr*>(&addr), &len) == 0
                        ? peer_key(reinterpret_cast<sockaddr*>(&addr), len)
                        : std::string();
  auto slot = limits_->admit(key);
  if (!slot) {
    note_refusal(key);
    refuse_busy(sock);
    ::close(sock);
    return true;
  }

  using std::chrono::seconds;
  using std::chrono::microseconds;
  DeadlineStream strm(sock, stop_fd_, seconds(read_timeout_sec_) + microseconds(read_timeout_usec_),
                      seconds(write_timeout_sec_) + microseconds(write_timeout_usec_));
  ConnectionState state;
  t_current = &state;
  bool linger = false;
  bool ok = true;
  for (std::size_t left = std::max<std::size_t>(1, keep_alive_max_count_); left > 0; --left) {
    if (svr_sock_ == INVALID_SOCKET) break;
    if (left == keep_alive_max_count_ || keep_alive_max_count_ == 0) {
      strm.set_deadline(accepted + options_.header_timeout);  // the first request: from the accept
      if (!strm.wait_for_request(options_.header_timeout)) break;
    } else {
      if (!strm.wait_for_request(seconds(keep_alive_timeout_sec_))) break;
      strm.set_deadline(Clock::now() + options_.header_timeout);
    }
    bool headers_read = false, closed = false;
    ok = process_request(strm, left == 1, closed, [&](httplib::Request&) {
      strm.clear_deadline();
      headers_read = true;
    });
    if (strm.expired()) {
      std::string answer = raw_answer(408, "Request Timeout", "RequestTimeout",
                                      "the request headers did not arrive within the header timeout");
      [[maybe_unused]] auto n = ::send(sock, answer.data(), answer.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      spdlog::debug("closing a connection from {}: headers not complete within {} ms", key,
                    options_.header_timeout.count());
      linger = true;
      break;
    }
    // A malformed request (400/414 answered without routing) or an answer given before the
    // body was read leaves the connection out of step: close it.
    if (!headers_read || state.closing()) {
      linger = true;
      break;
    }
    if (!ok || closed) break;
  }
  t_current = nullptr;
  if (linger) {
    ::shutdown(sock, SHUT_WR);
    drain(sock, options_.linger_time, options_.linger_bytes);
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace kcpp::server
