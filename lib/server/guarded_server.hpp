#pragma once
// An httplib::Server whose connections are served by our own loop, for what httplib 0.11
// cannot do on its own:
//
// * Connection caps (connection_limits.hpp): a connection over a cap is answered 503 and
//   closed at once.
// * A header deadline: httplib's read timeout applies to each read, so a client sending one
//   header byte every few seconds holds its worker for ever. Here the request line and
//   headers of each request must arrive within `header_timeout` (from the accept, or from
//   the first byte of a keep-alive request); past it the connection gets 408 and is closed.
// * Closing after an early answer: a request refused on its headers (401, 413, ...) leaves
//   its body unread. The connection is then closed after the answer (not read on as the
//   next request), with a short bounded "lingering close" so the client can read the answer
//   before the server's kernel resets the connection.
// * Idle keep-alive connections wait in poll() (httplib polls every 10 ms), and shutdown
//   wakes them at once.
//
// The loop calls httplib's own request parser and router (Server::process_request) per
// request, on a Stream of ours that enforces the deadlines.
#include <httplib.h>

#include <chrono>
#include <memory>

#include "server/connection_limits.hpp"

namespace kcpp::server {

struct ConnectionOptions {
  std::chrono::milliseconds header_timeout{10'000};
  // After an early answer, how long and how much of the unread body is drained before the
  // close (so the answer is not lost to a TCP reset); the client is never waited on longer.
  std::chrono::milliseconds linger_time{1'000};
  std::size_t linger_bytes = 4u << 20;
};

// The connection being served on this thread, for handlers (which run on it).
class ConnectionState {
 public:
  // Close the connection once the current answer is written (its body was not read).
  void close_after_answer() { close_ = true; }
  bool closing() const { return close_; }

  // The connection served on the calling thread, or nullptr outside a connection.
  static ConnectionState* current();

 private:
  friend class GuardedServer;
  bool close_ = false;
};

// Answers REQ with "Connection: close" and closes the connection after the answer (a
// lingering close), for answers given before the request's body was read to its end.
void close_after_answer(const httplib::Request& req);

class GuardedServer final : public httplib::Server {
 public:
  // LIMITS may be shared by several servers (both listeners count towards one cap).
  GuardedServer(std::shared_ptr<ConnectionLimits> limits, ConnectionOptions options);
  ~GuardedServer() override;

  // Wakes connections waiting for a request so they end; call before stop().
  void request_stop();

 private:
  bool process_and_close_socket(socket_t sock) override;
  void refuse_busy(socket_t sock);

  std::shared_ptr<ConnectionLimits> limits_;
  ConnectionOptions options_;
  int stop_fd_ = -1;  // eventfd, readable once request_stop() ran
};

}  // namespace kcpp::server
