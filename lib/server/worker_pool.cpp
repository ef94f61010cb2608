#include "server/worker_pool.hpp"

#include <algorithm>
#include <system_error>

namespace kcpp::server {

WorkerPool::WorkerPool(std::size_t core, std::size_t max, std::chrono::milliseconds idle_exit)
    : core_(std::max<std::size_t>(1, core)),
      max_(std::max(max, std::max<std::size_t>(1, core))),
      idle_exit_(idle_exit) {
  std::lock_guard<std::mutex> lock(mu_);
  for (std::size_t i = 0; i < core_; ++i) start_worker();
}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::start_worker() {
  std::thread t([this] { work(); });
  auto id = t.get_id();
  workers_.emplace(id, std::move(t));
}

void WorkerPool::reap() {
  for (auto id : ended_) {
    auto it = workers_.find(id);
    if (it == workers_.end()) continue;
    // The worker has left work() or is returning from it: join is immediate.
    it->second.join();
    workers_.erase(it);
  }
  ended_.clear();
}

void WorkerPool::enqueue(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    reap();
    jobs_.push_back(std::move(fn));
    // Every queued job needs an idle worker; start one when there are fewer idle than jobs.
    if (!shutdown_ && idle_ < jobs_.size() && workers_.size() - ended_.size() < max_) {
      try {
        start_worker();
      } catch (const std::system_error&) {
        // No thread to be had (process limits): the job waits for a busy worker, as in a
        // fixed pool; throwing here would end httplib's accept loop.
      }
    }
  }
  cv_.notify_one();
}

void WorkerPool::work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    ++idle_;
    bool timed_out = !cv_.wait_for(lock, idle_exit_, [this] { return !jobs_.empty() || shutdown_; });
    --idle_;
    if (jobs_.empty()) {
      // Surplus workers end when idle; all end at shutdown once the queue is empty.
      if (shutdown_ || (timed_out && workers_.size() - ended_.size() > core_)) {
        ended_.push_back(std::this_thread::get_id());
        return;
      }
      continue;
    }
    auto fn = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    fn();
    lock.lock();
  }
}

void WorkerPool::shutdown() {
  std::map<std::thread::id, std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutdown_ && workers_.empty()) return;
    shutdown_ = true;
  }
  cv_.notify_all();
  {
    std::lock_guard<std::mutex> lock(mu_);
    workers.swap(workers_);
  }
  for (auto& [id, t] : workers)
    if (t.joinable()) t.join();
  std::lock_guard<std::mutex> lock(mu_);
  ended_.clear();
}

std::size_t WorkerPool::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return workers_.size() - ended_.size();
}

}  // namespace kcpp::server
