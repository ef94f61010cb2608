#pragma once
// A fixed pool of worker threads running queued tasks; wait() returns when every task
// submitted so far (including tasks submitted by tasks) has finished. Tasks must not throw
// (an escaping exception is swallowed so that a worker never dies).
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kcpp::lock {

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

}  // namespace kcpp::lock
