// `kernels-hub serve`'s process-level part: URL line, signal handling, clean shutdown.
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <ostream>
#include <thread>

#include "server/hub_server.hpp"

namespace kcpp::server {

void serve_until_signal(HubServer& server, std::ostream& out) {
  // Block the stop signals before any server thread exists: threads inherit the mask, so
  // the signals stay pending for the sigtimedwait below instead of interrupting a worker.
  sigset_t stop_signals, previous;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
  std::signal(SIGPIPE, SIG_IGN);  // a client hanging up mid-body must not kill the server

  try {
    server.bind();
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    throw;
  }
  out << server.url() << std::endl;  // the first stdout line; tests and scripts read it

  std::atomic<bool> finished{false};
  std::thread runner([&] {
    server.run();
    finished = true;
  });
  const timespec tick{0, 200'000'000};
  while (!finished) {
    int sig = sigtimedwait(&stop_signals, nullptr, &tick);
    if (sig == SIGINT || sig == SIGTERM) {
      spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
      server.stop();
      break;
    }
  }
  runner.join();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

}  // namespace kcpp::server
