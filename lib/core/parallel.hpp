#pragma once
// The project's two ways of running work in parallel, on plain threads:
// * parallel_for: a known set of N independent items (hash files, PUT LFS objects, list
//   the tree of each version, download the blobs of a variant);
// * TaskPool: tasks that submit further tasks (lock resolution: a dependency's metadata
//   names more dependencies), waited for as a whole.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace kcpp {

// Runs FN(i) for every i in [0, N) on up to THREADS threads (the caller's among them).
// After the first exception no further index is started, FAILED (when given) is set so
// that running tasks may stop early, and that exception is rethrown once all have ended.
inline void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn,
                         std::atomic<bool>* failed = nullptr) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> local_failed{false};
  std::atomic<bool>& stop = failed ? *failed : local_failed;
  std::exception_ptr first;
  std::mutex mu;
  auto worker = [&] {
    for (;;) {
      if (stop) return;
      std::size_t i = next++;
      if (i >= n) return;
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!first) first = std::current_exception();
        stop = true;
        return;
      }
    }
  };
  std::size_t count = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(1, threads)));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < count; ++t) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: the ones running (and this one) do the work
    }
  }
  worker();
  for (auto& t : pool) t.join();
  if (first) std::rethrow_exception(first);
}

// A fixed pool of worker threads running queued tasks; wait() returns when every task
// submitted so far (including tasks submitted by tasks) has finished. Tasks must not throw
// (an escaping exception is swallowed so that a worker never dies).
class TaskPool {
 public:
  explicit TaskPool(unsigned threads) {
    if (threads == 0) threads = 1;
    for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { loop(); });
  }
  ~TaskPool() {
    {
      std::lock_guard lk(mutex_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& t : workers_) t.join();
  }
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  void submit(std::function<void()> task) {
    {
      std::lock_guard lk(mutex_);
      queue_.push_back(std::move(task));
      ++pending_;
    }
    work_cv_.notify_one();
  }

  void wait() {
    std::unique_lock lk(mutex_);
    idle_cv_.wait(lk, [this] { return pending_ == 0; });
  }

 private:
  void loop() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lk(mutex_);
        work_cv_.wait(lk, [this] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      try {
        task();
      } catch (...) {
      }
      std::lock_guard lk(mutex_);
      if (--pending_ == 0) idle_cv_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable work_cv_, idle_cv_;
  std::deque<std::function<void()>> queue_;
  std::size_t pending_ = 0;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace kcpp
