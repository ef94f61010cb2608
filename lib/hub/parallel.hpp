#pragma once
// Internal: a bounded parallel loop for hashing files and PUTting LFS objects.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace kcpp::hub {

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

}  // namespace kcpp::hub
