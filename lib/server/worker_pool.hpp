#pragma once
// The worker pool of each kernels-hub listener: an httplib TaskQueue whose thread count
// follows demand.
//
// Why not httplib's fixed ThreadPool: httplib serves a connection on one worker for as long
// as the client keeps it alive (up to 1000 requests), so with N workers the N+1st keep-alive
// client waits until another connection ends — measured: 64 clients on 32 workers saw
// requests wait 12 s (test/reliability/test_concurrency.py), longer than clients' stall
// timeouts. Here `core` workers always run; when a connection arrives and none is idle, a
// new worker starts, up to `max` (beyond that connections queue, as before); workers above
// `core` end after being idle for `idle_exit`. Thread objects are kept and joined (an ended
// worker is reaped by the next enqueue), never detached, so shutdown() returns only when no
// worker touches the pool any more.
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace kcpp::server {

class WorkerPool final : public httplib::TaskQueue {
 public:
  WorkerPool(std::size_t core, std::size_t max, std::chrono::milliseconds idle_exit = std::chrono::seconds(10));
  ~WorkerPool() override;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void enqueue(std::function<void()> fn) override;
  // Runs the queued jobs, then joins every worker. Idempotent.
  void shutdown() override;

  // For tests: workers running now.
  std::size_t size();

 private:
  void start_worker();  // with mu_ held
  void work();
  void reap();  // joins workers that ended; with mu_ held

  const std::size_t core_, max_;
  const std::chrono::milliseconds idle_exit_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::map<std::thread::id, std::thread> workers_;
  std::vector<std::thread::id> ended_;
  std::size_t idle_ = 0;
  bool shutdown_ = false;
};

}  // namespace kcpp::server
