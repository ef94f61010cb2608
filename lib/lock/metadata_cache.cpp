#include "lock/metadata_cache.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/hash.hpp"
#include "core/safe_dir.hpp"

namespace kcpp::lock {

namespace {

// <cache>/kernels--ns--name/blobs, relative to the cache root (walked with fs::SafeDir).
std::filesystem::path blobs_rel(const hub::RepoId& repo) {
  return std::filesystem::path(hub::repo_folder_name(hub::RepoType::kernel, repo)) / "blobs";
}

// metadata.json is small; a file far larger is not one of ours.
constexpr std::size_t kMaxCachedBytes = std::size_t{16} << 20;

}  // namespace

std::optional<std::string> read_cached_blob(const std::filesystem::path& cache, const hub::RepoId& repo,
                                            const std::string& blob_id) {
  if (!hub::is_commit_sha(blob_id)) return std::nullopt;  // git blob ids share the 40-hex form
  try {
    // Links are not followed, neither on the way (the repo folder, blobs/) nor at the blob.
    auto dir = fs::SafeDir::open_existing(cache, blobs_rel(repo));
    if (!dir) return std::nullopt;
    const int fd = ::openat(dir->fd(), blob_id.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    struct stat st {};
    std::string content;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::size_t>(st.st_size) <= kMaxCachedBytes) {
      content.resize(static_cast<std::size_t>(st.st_size));
      std::size_t done = 0;
      while (done < content.size()) {
        const ssize_t n = ::read(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      content.resize(done);
    }
    ::close(fd);
    if (hash::git_blob_id(content) == blob_id) return content;
    spdlog::debug("cached blob {} does not match its id; fetching it again", dir->path_of(blob_id).string());
  } catch (const Error& e) {  // store_cached_blob says it once, as a warning when it is a link
    spdlog::debug("not using the cached {}: {}", blob_id, e.what());
  }
  return std::nullopt;
}

void store_cached_blob(const std::filesystem::path& cache, const hub::RepoId& repo, const std::string& blob_id,
                       const std::string& content) {
  if (!hub::is_commit_sha(blob_id) || hash::git_blob_id(content) != blob_id) return;
  try {
    // Verified content: huggingface_hub's blob mode (0666 & ~umask).
    fs::atomic_write_at(fs::SafeDir::open(cache, blobs_rel(repo), /*create=*/true), blob_id, content, 0666);
  } catch (const Error& e) {
    // The lock does not depend on the cache; a link planted in it is reported, never followed.
    if (fs::is_symlink_refusal(e))
      spdlog::warn("not caching metadata.json: {}", e.what());
    else
      spdlog::debug("not caching {}: {}", blob_id, e.what());
  }
}

}  // namespace kcpp::lock
