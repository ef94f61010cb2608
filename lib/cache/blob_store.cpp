#include "cache/blob_store.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cache/file_lock.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/safe_dir.hpp"

namespace kcpp::cache {

namespace {

constexpr std::size_t kWriteBuffer = 1 << 20;
// Written bytes are handed to the kernel's writeback every this many bytes
// (sync_file_range), so the fdatasync before the rename finds little left to flush:
// durability without a stall at the end of each large file.
constexpr std::uint64_t kWritebackStep = 8 << 20;

Error io_error(const std::string& what, const stdfs::path& p, int err) {
  return Error(ErrorKind::io, fmt::format("cannot {} {}: {}", what, p.string(), std::strerror(err)));
}

hash::Hasher start_hasher(const BlobSpec& spec) {
  if (spec.kind == HashKind::sha256) return hash::Hasher(hash::Algorithm::sha256);
  hash::Hasher h(hash::Algorithm::sha1);
  std::string header = fmt::format("blob {}", spec.size);
  header.push_back('\0');
  h.update(header);
  return h;
}

// blobs/<etag>.incomplete while it is being written: buffered writes, hashing as bytes
// arrive, resumable prefix. Closes (never deletes) the file on destruction.
//
// The file holds bytes nobody has verified yet, so it is the owner's alone: created 0600
// (& ~umask) with O_EXCL, and given the final blob mode (0666 & ~umask, huggingface_hub's)
// only once it is complete and verified, just before the rename. A leftover from an earlier
// run is resumed only when it is a regular file of ours with one link that nobody else may
// write (otherwise another user could change bytes after we hashed them); anything else
// there — a symbolic link (not ours: following it would truncate or append to a file outside
// the cache), someone else's file, a FIFO — is removed and the transfer starts afresh.
class IncompleteFile {
 public:
  IncompleteFile(const fs::SafeDir& dir, std::string name, const BlobSpec& spec)
      : dir_(dir), name_(std::move(name)), spec_(spec), hasher_(start_hasher(spec)) {
    fd_ = ::openat(dir_.fd(), name_.c_str(), O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd_ >= 0 && !resumable(fd_)) {
      ::close(fd_);
      fd_ = -1;
      errno = EEXIST;
    }
    if (fd_ < 0 && errno != ENOENT && ::unlinkat(dir_.fd(), name_.c_str(), 0) != 0 && errno != ENOENT)
      throw io_error("remove the unusable partial download", path(), errno)
          .hint("remove " + path().string() + " (it is not a partial download of yours) and re-run");
    if (fd_ < 0) fd_ = ::openat(dir_.fd(), name_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd_ < 0) throw io_error("create", path(), errno);
  }
  ~IncompleteFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  stdfs::path path() const { return dir_.path_of(name_); }

  std::uint64_t adopt_prefix() {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) throw io_error("stat", path(), errno);
    auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > spec_.size) {
      restart();
      return 0;
    }
    std::string chunk(kWriteBuffer, '\0');
    std::uint64_t done = 0;
    while (done < size) {
      ssize_t n = ::pread(fd_, chunk.data(), chunk.size(), static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw io_error("read", path(), n < 0 ? errno : EIO);
      hasher_.update(std::string_view(chunk.data(), static_cast<std::size_t>(n)));
      done += static_cast<std::uint64_t>(n);
    }
    flushed_ = size;
    writeback_from_ = size;
    return size;
  }

  void restart() {
    buffer_.clear();
    if (::ftruncate(fd_, 0) != 0) throw io_error("truncate", path(), errno);
    flushed_ = 0;
    writeback_from_ = 0;
    hasher_ = start_hasher(spec_);
  }

  void append(std::string_view bytes) {
    hasher_.update(bytes);
    if (buffer_.empty() && bytes.size() >= kWriteBuffer) {
      write_all(bytes);
      return;
    }
    buffer_.append(bytes);
    if (buffer_.size() >= kWriteBuffer) flush();
  }

  void flush() {
    write_all(buffer_);
    buffer_.clear();
  }

  std::uint64_t size() const { return flushed_ + buffer_.size(); }

  std::string finish_hash() {
    flush();
    return hasher_.finish_hex();
  }

  // Final MODE + fdatasync + rename to DEST in the same directory (the blob appears complete
  // or not at all; renameat replaces a planted link there without following it).
  void commit(const std::string& dest, mode_t mode) {
    flush();
    if (::fchmod(fd_, mode) != 0)
      spdlog::warn("cannot set the permissions of {}: {}", path().string(), std::strerror(errno));
    if (::fdatasync(fd_) != 0) throw io_error("sync", path(), errno);
    ::close(fd_);
    fd_ = -1;
    if (::renameat(dir_.fd(), name_.c_str(), dir_.fd(), dest.c_str()) != 0)
      throw io_error("rename to " + dest + ":", path(), errno);
  }

  void discard() {
    ::close(fd_);
    fd_ = -1;
    ::unlinkat(dir_.fd(), name_.c_str(), 0);
  }

 private:
  // A leftover we may continue: see the class comment.
  static bool resumable(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || st.st_nlink != 1 ||
        (st.st_mode & 0022) != 0)
      return false;
    (void)::fchmod(fd, 0600);  // an older run's may have been wider
    return ::fcntl(fd, F_SETFL, 0) == 0;  // O_NONBLOCK off
  }

  void write_all(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(flushed_));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw io_error("write", path(), errno);
      flushed_ += static_cast<std::uint64_t>(n);
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    if (flushed_ - writeback_from_ >= kWritebackStep) {
#ifdef __linux__
      (void)::sync_file_range(fd_, static_cast<off_t>(writeback_from_), static_cast<off_t>(flushed_ - writeback_from_),
                              SYNC_FILE_RANGE_WRITE);
#endif
      writeback_from_ = flushed_;
    }
  }

  const fs::SafeDir& dir_;
  std::string name_;
  BlobSpec spec_;
  hash::Hasher hasher_;
  int fd_ = -1;
  std::uint64_t flushed_ = 0;
  std::uint64_t writeback_from_ = 0;
  std::string buffer_;
};

}  // namespace

BlobStore::BlobStore(CacheLayout layout)
    : layout_(std::move(layout)), blob_mode_(static_cast<mode_t>(0666 & ~fs::current_umask())) {}

bool BlobStore::has(std::string_view etag) const {
  // Only a regular file in a real blobs/ directory counts. A symbolic link named like a blob
  // was not written by us (blobs are regular files renamed into place) and could point
  // anywhere: it does not count, and the verified blob's rename replaces it. A link in place
  // of a directory on the way makes the blob absent here and an error in ensure().
  try {
    auto dir = fs::SafeDir::open_existing(layout_.root(), layout_.blobs_rel());
    struct stat st {};
    return dir && ::fstatat(dir->fd(), std::string(etag).c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
           S_ISREG(st.st_mode);
  } catch (const Error&) {
    return false;
  }
}

namespace {

std::string hash_fd(int fd, const stdfs::path& shown, const BlobSpec& spec) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw io_error("stat", shown, errno);
  BlobSpec s = spec;
  s.size = static_cast<std::uint64_t>(st.st_size);
  auto h = start_hasher(s);
  std::string chunk(kWriteBuffer, '\0');
  while (true) {
    ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw io_error("read", shown, errno);
    if (n == 0) break;
    h.update(std::string_view(chunk.data(), static_cast<std::size_t>(n)));
  }
  return h.finish_hex();
}

// .locks/<folder>/, walked without following links; other failures are told as the lock
// file's (a cache where locks cannot be taken).
fs::SafeDir open_locks_dir(const CacheLayout& layout, const std::string& etag) {
  try {
    return fs::SafeDir::open(layout.root(), layout.locks_rel(), /*create=*/true);
  } catch (const Error& e) {
    if (fs::is_symlink_refusal(e)) throw;
    throw e.in_context(fmt::format("cannot create lock file {}", layout.lock_path(etag).string()))
        .hint("check that the cache directory is writable (KERNELS_CACHE, HF_HUB_CACHE, HF_HOME)");
  }
}

// Closes the descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string BlobStore::hash_file(const stdfs::path& path, const BlobSpec& spec) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) throw io_error("read", path, errno);
  return hash_fd(f.fd, path, spec);
}

BlobOutcome BlobStore::ensure(const BlobSpec& spec, const Transfer& transfer,
                              const std::function<void(std::uint64_t)>& on_bytes, bool recheck) const {
  BlobOutcome out;
  out.expected = spec.etag;
  out.actual_size = spec.size;
  if (!recheck && has(spec.etag)) {
    out.actual = spec.etag;
    return out;
  }
  // Every directory from the cache root down is walked without following links (SafeDir);
  // the files in them are then named relative to those descriptors.
  const fs::SafeDir locks = open_locks_dir(layout_, spec.etag);
  FileLock lock(locks, spec.etag + ".lock");
  const fs::SafeDir blobs = fs::SafeDir::open(layout_.root(), layout_.blobs_rel(), /*create=*/true);
  if (has(spec.etag)) {
    Fd f{::openat(blobs.fd(), spec.etag.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
    if (!recheck || (f.fd >= 0 && hash_fd(f.fd, blobs.path_of(spec.etag), spec) == spec.etag)) {
      out.actual = spec.etag;
      return out;
    }
    spdlog::warn("cached blob {} does not match its name; downloading it again", blobs.path_of(spec.etag).string());
    ::unlinkat(blobs.fd(), spec.etag.c_str(), 0);
  }

  out.how = BlobOutcome::How::downloaded;
  const std::string incomplete = spec.etag + ".incomplete";
  for (int attempt = 0;; ++attempt) {
    IncompleteFile file(blobs, incomplete, spec);
    const std::uint64_t offset = file.adopt_prefix();
    out.resumed_from = offset;
    if (offset > 0) spdlog::info("resuming {} from byte {}", file.path().string(), offset);
    if (offset < spec.size || spec.size == 0) {
      auto sink = [&](std::string_view chunk) {
        file.append(chunk);
        out.transferred += chunk.size();
        if (on_bytes) on_bytes(chunk.size());
        return true;
      };
      auto restart = [&] {
        out.resumed_from = 0;
        file.restart();
      };
      try {
        transfer(offset, sink, restart);
      } catch (...) {
        try {
          file.flush();  // keep what arrived, for the next run to resume
        } catch (...) {
        }
        throw;
      }
    }
    const std::uint64_t size = file.size();
    out.actual = file.finish_hash();
    out.actual_size = size;
    if (size == spec.size && out.actual == spec.etag) {
      file.commit(spec.etag, blob_mode_);
      return out;
    }
    file.discard();
    if (offset > 0 && attempt == 0) {
      spdlog::warn("{}: resumed download does not match; fetching it again from byte 0",
                   blobs.path_of(spec.etag).string());
      continue;
    }
    return out;
  }
}

}  // namespace kcpp::cache
