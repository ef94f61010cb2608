// WorkerPool: the kernels-hub listeners' thread pool that grows while every worker is busy.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "server/worker_pool.hpp"

using namespace kcpp::server;
using namespace std::chrono_literals;

TEST_CASE("more busy jobs than core workers all run at once", "[server][pool]") {
  // Regression (reliability suite, 64-client soak): a fixed pool of N left the N+1st
  // keep-alive connection waiting until another one ended (12 s measured).
  WorkerPool pool(2, 16, 200ms);
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  bool release = false;
  for (int i = 0; i < 8; ++i)
    pool.enqueue([&] {
      std::unique_lock<std::mutex> lock(mu);
      ++started;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });  // a long-lived connection
    });
  {
    std::unique_lock<std::mutex> lock(mu);
    CHECK(cv.wait_for(lock, 5s, [&] { return started == 8; }));
    release = true;
  }
  cv.notify_all();
  CHECK(pool.size() >= 8);
  // Surplus workers end after being idle; the core stays.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (pool.size() > 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  CHECK(pool.size() == 2);
  std::atomic<int> ran{0};
  for (int i = 0; i < 100; ++i) pool.enqueue([&] { ++ran; });
  pool.shutdown();  // runs what is queued, then joins
  CHECK(ran == 100);
}

TEST_CASE("the pool never exceeds its maximum", "[server][pool]") {
  WorkerPool pool(1, 3, 1s);
  std::atomic<int> running{0}, peak{0};
  for (int i = 0; i < 12; ++i)
    pool.enqueue([&] {
      int now = ++running;
      int p = peak.load();
      while (now > p && !peak.compare_exchange_weak(p, now)) {
      }
      std::this_thread::sleep_for(30ms);
      --running;
    });
  pool.shutdown();
  CHECK(peak <= 3);
  CHECK(peak >= 2);
}
