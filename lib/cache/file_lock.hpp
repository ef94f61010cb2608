#pragma once
// An exclusive advisory lock on a lock file (flock(2)), held for the lifetime of the object:
// the per-blob guard under <cache>/.locks/ that huggingface_hub's `filelock` also takes, so
// our processes and Python ones never write the same blob at once.
//
// The lock file is created (mode 0664, parents 0777 & ~umask as needed, walked without
// following links: fs::SafeDir; a symbolic link found at its own name is replaced, never
// followed) and left in place afterwards,
// as upstream does: unlinking it would let a waiter lock an orphaned inode. Waiting is
// unbounded (a peer downloading a large blob may legitimately hold it for minutes) and
// logs every 10 s at info level; a crashed holder releases the lock with its process.
// Where flock is unsupported (some network file systems answer ENOLCK/EOPNOTSUPP), the lock
// is skipped with a debug log, like huggingface_hub's best-effort lock: blobs are written
// to a temp file and renamed, so correctness never depends on it.
#include <filesystem>
#include <string_view>

#include "core/safe_dir.hpp"

namespace kcpp::cache {

class FileLock {
 public:
  // Blocks until the lock is held. Throws kcpp::Error(io) when the lock file cannot be
  // created.
  explicit FileLock(const std::filesystem::path& path);
  // The lock file NAME in DIR (a cache directory walked without following links).
  FileLock(const fs::SafeDir& dir, std::string_view name);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // One non-blocking attempt (taken and released at once): false while another holder has it.
  static bool try_lock_once(const std::filesystem::path& path);

 private:
  void wait(const std::filesystem::path& path);  // flock with backoff; see the file comment
  int fd_ = -1;
};

}  // namespace kcpp::cache
