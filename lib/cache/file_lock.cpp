#include "cache/file_lock.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "core/error.hpp"
#include "core/safe_dir.hpp"

namespace kcpp::cache {

namespace {

int open_lock_file(const fs::SafeDir& dir, const std::string& name) {
  // O_NOFOLLOW: a symbolic link at the lock's path (not ours: we create regular files) must
  // not make us create or chmod a file elsewhere; it is replaced by a lock file of our own.
  constexpr int kFlags = O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW;
  int fd = ::openat(dir.fd(), name.c_str(), kFlags, 0664);
  if (fd < 0 && errno == ELOOP) {
    struct stat st {};
    if (::fstatat(dir.fd(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode) &&
        ::unlinkat(dir.fd(), name.c_str(), 0) == 0)
      fd = ::openat(dir.fd(), name.c_str(), kFlags, 0664);
  }
  if (fd < 0)
    throw Error(ErrorKind::io,
                fmt::format("cannot create lock file {}: {}", dir.path_of(name).string(), std::strerror(errno)))
        .hint("check that the cache directory is writable (KERNELS_CACHE, HF_HUB_CACHE, HF_HOME)");
  // 0664 regardless of the umask, as upstream's filelock does (huggingface_hub asks for it).
  (void)::fchmod(fd, 0664);
  return fd;
}

// The lock file at PATH, its directory opened as a root (links followed): for callers that
// name a lock file directly rather than a place in the cache.
int open_lock_file(const std::filesystem::path& path) {
  auto dir = fs::SafeDir::open(path.parent_path(), {}, /*create=*/true);
  return open_lock_file(dir, path.filename().string());
}

bool unsupported(int err) { return err == ENOLCK || err == EOPNOTSUPP || err == ENOSYS || err == EINVAL; }

}  // namespace

FileLock::FileLock(const std::filesystem::path& path) : fd_(open_lock_file(path)) { wait(path); }

FileLock::FileLock(const fs::SafeDir& dir, std::string_view name) : fd_(open_lock_file(dir, std::string(name))) {
  wait(dir.path_of(name));
}

void FileLock::wait(const std::filesystem::path& path) {
  using clock = std::chrono::steady_clock;
  auto next_log = clock::now() + std::chrono::seconds(10);
  auto delay = std::chrono::milliseconds(5);
  while (true) {
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
    int err = errno;
    if (err == EINTR) continue;
    if (unsupported(err)) {
      spdlog::debug("file locks unsupported for {} ({}); continuing without", path.string(), std::strerror(err));
      return;
    }
    if (err != EWOULDBLOCK) {
      ::close(fd_);
      fd_ = -1;
      throw Error(ErrorKind::io, fmt::format("cannot lock {}: {}", path.string(), std::strerror(err)));
    }
    if (clock::now() >= next_log) {
      spdlog::info("waiting for lock {} (another process is downloading this file)", path.string());
      next_log = clock::now() + std::chrono::seconds(10);
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(200));
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

bool FileLock::try_lock_once(const std::filesystem::path& path) {
  int fd = open_lock_file(path);
  bool ok = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);
  return ok;
}

}  // namespace kcpp::cache
