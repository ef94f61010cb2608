#include "server/lfs_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/hash.hpp"

namespace kcpp::server {

namespace stdfs = std::filesystem;

namespace {

Error io_error(const std::string& what, const stdfs::path& p, int err) {
  return Error(ErrorKind::io, what + " " + p.string() + ": " + std::strerror(err));
}

// Owns a file descriptor; closes it on scope exit.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

class FsLfsReader final : public LfsReader {
 public:
  FsLfsReader(int fd, std::uint64_t size, stdfs::path path) : fd_(fd), size_(size), path_(std::move(path)) {}
  std::uint64_t size() const override { return size_; }
  std::size_t read_at(std::uint64_t offset, char* buf, std::size_t len) override {
    for (;;) {
      ssize_t n = ::pread(fd_.fd, buf, len, static_cast<off_t>(offset));
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) throw io_error("cannot read LFS object", path_, errno);
    }
  }

 private:
  Fd fd_;
  std::uint64_t size_;
  stdfs::path path_;
};

void write_all(int fd, const char* p, std::size_t n, const stdfs::path& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw io_error("cannot write", path, errno);
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

}  // namespace

FsLfsStore::FsLfsStore(stdfs::path dir) : dir_(std::move(dir)) {}

stdfs::path FsLfsStore::object_path(std::string_view oid) const {
  std::string o(oid);
  return dir_ / "objects" / o.substr(0, 2) / o.substr(2, 2) / o;
}

std::optional<std::uint64_t> FsLfsStore::size_of(std::string_view oid) const {
  if (!is_sha256_hex(oid)) return std::nullopt;
  struct stat st {};
  if (::stat(object_path(oid).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return static_cast<std::uint64_t>(st.st_size);
}

std::unique_ptr<LfsReader> FsLfsStore::open(std::string_view oid) const {
  if (!is_sha256_hex(oid)) return nullptr;
  auto path = object_path(oid);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return nullptr;
    throw io_error("cannot open LFS object", path, errno);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    throw io_error("cannot stat LFS object", path, err);
  }
  return std::make_unique<FsLfsReader>(fd, static_cast<std::uint64_t>(st.st_size), path);
}

LfsPointer FsLfsStore::put_file(const stdfs::path& src) {
  Fd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.fd < 0) throw io_error("cannot read", src, errno);

  // The temp file lives inside the store so the final rename never crosses file systems.
  auto tmp_dir = dir_ / "tmp";
  std::error_code ec;
  stdfs::create_directories(tmp_dir, ec);
  auto tmp = tmp_dir / (fs::random_hex(8) + ".part");
  Fd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (out.fd < 0) throw io_error("cannot create", tmp, errno);

  try {
    hash::Hasher hasher(hash::Algorithm::sha256);
    std::uint64_t size = 0;
    std::string buf(1 << 20, '\0');
    for (;;) {
      ssize_t n = ::read(in.fd, buf.data(), buf.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        throw io_error("cannot read", src, errno);
      }
      if (n == 0) break;
      hasher.update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
      write_all(out.fd, buf.data(), static_cast<std::size_t>(n), tmp);
      size += static_cast<std::uint64_t>(n);
    }
    if (::fsync(out.fd) != 0) throw io_error("cannot flush", tmp, errno);
    LfsPointer pointer{hasher.finish_hex(), size};

    auto final_path = object_path(pointer.oid);
    stdfs::create_directories(final_path.parent_path(), ec);
    if (size_of(pointer.oid) == size) {
      // Same content already stored (content-addressed): keep the existing object.
      ::unlink(tmp.c_str());
    } else if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
      throw io_error("cannot move LFS object into", final_path, errno);
    }
    return pointer;
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

}  // namespace kcpp::server
