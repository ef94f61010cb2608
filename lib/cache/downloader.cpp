#include "cache/downloader.hpp"
#include "core/parallel.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>

namespace kcpp::cache {

std::vector<BlobResult> fetch_blobs(const hub::HubClient& client, const BlobStore& store, const std::string& commit,
                                    const std::vector<BlobJob>& jobs, const FetchOptions& options,
                                    DownloadReporter& reporter) {
  std::vector<BlobResult> results(jobs.size());
  // Cached blobs first (no request); the rest largest first, so big files start early.
  std::vector<std::size_t> todo;
  std::uint64_t todo_bytes = 0;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (!options.recheck && store.has(jobs[i].spec.etag)) {
      results[i].outcome.expected = results[i].outcome.actual = jobs[i].spec.etag;
      results[i].outcome.actual_size = jobs[i].spec.size;
      continue;
    }
    todo.push_back(i);
    todo_bytes += jobs[i].spec.size;
  }
  std::stable_sort(todo.begin(), todo.end(), [&](auto a, auto b) { return jobs[a].spec.size > jobs[b].spec.size; });
  reporter.begin(store.layout().repo().str(), todo.size(), todo_bytes);

  const auto& layout = store.layout();
  std::atomic<bool> stop{false};
  // Never throws: every blob gets a result (skipped once a transfer or local failure stops the rest).
  parallel_for(todo.size(), static_cast<int>(std::max(1u, options.jobs)), [&](std::size_t k) {
    auto& result = results[todo[k]];
    const auto& job = jobs[todo[k]];
    if (stop.load()) {
      result.skipped = true;
      return;
    }
    auto transfer = [&](std::uint64_t offset, const std::function<bool(std::string_view)>& sink,
                        const std::function<void()>& on_restart) {
      // The listed size bounds the body: a server cannot make us write more than the file.
      auto meta = client.download_file(layout.type(), layout.repo(), commit, job.repo_path, sink, offset, on_restart,
                                       job.spec.size);
      if (meta.etag != job.spec.etag)
        spdlog::warn("the Hub's ETag for '{}' ({}) differs from its tree listing ({}); verifying the content against "
                     "the listing",
                     job.repo_path, meta.etag, job.spec.etag);
    };
    try {
      result.outcome = store.ensure(job.spec, transfer, [&](std::uint64_t n) { reporter.bytes(n); }, options.recheck);
    } catch (const Error& e) {
      result.error = e;
    } catch (const std::exception& e) {
      result.error = Error(ErrorKind::failure, e.what());
    }
    if (result.error && result.error->kind() != ErrorKind::verification) stop.store(true);
    reporter.file_done(job.repo_path, result.outcome);
  });
  reporter.end();
  return results;
}

}  // namespace kcpp::cache
