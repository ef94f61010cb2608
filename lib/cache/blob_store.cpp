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
class IncompleteFile {
 public:
  IncompleteFile(stdfs::path path, const BlobSpec& spec) : path_(std::move(path)), spec_(spec), hasher_(start_hasher(spec)) {
    // O_NOFOLLOW: a symbolic link here is not ours (we write regular files); following it
    // would truncate or append to a file outside the cache. It is removed instead.
    const int flags = O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW;
    fd_ = ::open(path_.c_str(), flags, 0666);  // mode as upstream: 0666 & ~umask
    if (fd_ < 0 && errno == ELOOP && ::unlink(path_.c_str()) == 0) fd_ = ::open(path_.c_str(), flags, 0666);
    if (fd_ < 0) throw io_error("create", path_, errno);
  }
  ~IncompleteFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Keeps (and hashes) what a previous run wrote; returns its size.
  std::uint64_t adopt_prefix() {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) throw io_error("stat", path_, errno);
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
      if (n <= 0) throw io_error("read", path_, n < 0 ? errno : EIO);
      hasher_.update(std::string_view(chunk.data(), static_cast<std::size_t>(n)));
      done += static_cast<std::uint64_t>(n);
    }
    flushed_ = size;
    writeback_from_ = size;
    return size;
  }

  void restart() {
    buffer_.clear();
    if (::ftruncate(fd_, 0) != 0) throw io_error("truncate", path_, errno);
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

  // fdatasync + rename to DEST (the blob appears complete or not at all).
  void commit(const stdfs::path& dest) {
    flush();
    if (::fdatasync(fd_) != 0) throw io_error("sync", path_, errno);
    ::close(fd_);
    fd_ = -1;
    if (::rename(path_.c_str(), dest.c_str()) != 0) throw io_error("rename to " + dest.string() + ":", path_, errno);
  }

  void discard() {
    ::close(fd_);
    fd_ = -1;
    ::unlink(path_.c_str());
  }

 private:
  void write_all(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(flushed_));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw io_error("write", path_, errno);
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

  stdfs::path path_;
  BlobSpec spec_;
  hash::Hasher hasher_;
  int fd_ = -1;
  std::uint64_t flushed_ = 0;
  std::uint64_t writeback_from_ = 0;
  std::string buffer_;
};

}  // namespace

bool BlobStore::has(std::string_view etag) const {
  // symlink_status: a symbolic link named like a blob was not written by us (blobs are
  // regular files renamed into place) and could point anywhere: it does not count, and the
  // verified blob's rename replaces it.
  std::error_code ec;
  return stdfs::symlink_status(layout_.blob_path(etag), ec).type() == stdfs::file_type::regular;
}

std::string BlobStore::hash_file(const stdfs::path& path, const BlobSpec& spec) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw io_error("read", path, errno);
  struct stat st {};
  ::fstat(fd, &st);
  BlobSpec s = spec;
  s.size = static_cast<std::uint64_t>(st.st_size);
  auto h = start_hasher(s);
  std::string chunk(kWriteBuffer, '\0');
  while (true) {
    ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw io_error("read", path, err);
    }
    if (n == 0) break;
    h.update(std::string_view(chunk.data(), static_cast<std::size_t>(n)));
  }
  ::close(fd);
  return h.finish_hex();
}

BlobOutcome BlobStore::ensure(const BlobSpec& spec, const Transfer& transfer,
                              const std::function<void(std::uint64_t)>& on_bytes, bool recheck) const {
  BlobOutcome out;
  out.expected = spec.etag;
  const auto blob = layout_.blob_path(spec.etag);
  out.actual_size = spec.size;
  if (!recheck && has(spec.etag)) {
    out.actual = spec.etag;
    return out;
  }
  FileLock lock(layout_.lock_path(spec.etag));
  if (has(spec.etag)) {
    if (!recheck || hash_file(blob, spec) == spec.etag) {
      out.actual = spec.etag;
      return out;
    }
    spdlog::warn("cached blob {} does not match its name; downloading it again", blob.string());
    ::unlink(blob.c_str());
  }
  std::error_code ec;
  stdfs::create_directories(layout_.blobs_dir(), ec);
  if (ec) throw Error(ErrorKind::io, fmt::format("cannot create {}: {}", layout_.blobs_dir().string(), ec.message()));

  out.how = BlobOutcome::How::downloaded;
  for (int attempt = 0;; ++attempt) {
    IncompleteFile file(layout_.incomplete_path(spec.etag), spec);
    const std::uint64_t offset = file.adopt_prefix();
    out.resumed_from = offset;
    if (offset > 0) spdlog::info("resuming {} from byte {}", layout_.incomplete_path(spec.etag).string(), offset);
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
      file.commit(blob);
      return out;
    }
    file.discard();
    if (offset > 0 && attempt == 0) {
      spdlog::warn("{}: resumed download does not match; fetching it again from byte 0", blob.string());
      continue;
    }
    return out;
  }
}

}  // namespace kcpp::cache
