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

stdfs::path FsLfsStore::tmp_dir() const { return dir_ / "tmp"; }

std::size_t FsLfsStore::remove_stale_uploads(std::chrono::seconds older_than) {
  std::error_code ec;
  const auto cutoff = stdfs::file_time_type::clock::now() - older_than;
  std::size_t removed = 0;
  for (stdfs::directory_iterator it(tmp_dir(), ec), end; !ec && it != end; it.increment(ec)) {
    const auto& path = it->path();
    if (path.extension() != ".part" || !it->is_regular_file(ec)) continue;
    const auto written = stdfs::last_write_time(path, ec);
    if (!ec && written < cutoff && stdfs::remove(path, ec)) ++removed;
  }
  return removed;
}

namespace {

// FsLfsStore's upload: DIR/tmp/<random>.part, renamed to the object's path by publish().
class FsLfsUpload final : public LfsUpload {
 public:
  explicit FsLfsUpload(const FsLfsStore& store) : store_(store) {
    std::error_code ec;
    stdfs::create_directories(store.tmp_dir(), ec);
    tmp_ = store.tmp_dir() / (fs::random_hex(8) + ".part");
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) throw io_error("cannot create", tmp_, errno);
  }
  ~FsLfsUpload() override {
    if (fd_ >= 0) ::close(fd_);
    if (!published_) ::unlink(tmp_.c_str());  // every path that did not publish: no leftovers
  }
  FsLfsUpload(const FsLfsUpload&) = delete;
  FsLfsUpload& operator=(const FsLfsUpload&) = delete;

  void write(const char* data, std::size_t len) override {
    if (fd_ < 0 || pointer_) throw Error(ErrorKind::failure, "LFS upload written after it was finished");
    hasher_.update(std::string_view(data, len));
    write_all(fd_, data, len, tmp_);
    size_ += len;
  }

  std::uint64_t size() const override { return size_; }

  LfsPointer finish() override {
    if (pointer_) return *pointer_;
    if (::fsync(fd_) != 0) throw io_error("cannot flush", tmp_, errno);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw io_error("cannot close", tmp_, errno);
    pointer_ = LfsPointer{hasher_.finish_hex(), size_};
    return *pointer_;
  }

  void publish() override {
    LfsPointer p = finish();
    auto final_path = store_.object_path(p.oid);
    std::error_code ec;
    stdfs::create_directories(final_path.parent_path(), ec);
    if (store_.size_of(p.oid) == p.size) return;  // same content already stored: the destructor drops ours
    if (::rename(tmp_.c_str(), final_path.c_str()) != 0)
      throw io_error("cannot move LFS object into", final_path, errno);
    published_ = true;
  }

 private:
  const FsLfsStore& store_;
  stdfs::path tmp_;
  int fd_ = -1;
  hash::Hasher hasher_{hash::Algorithm::sha256};
  std::uint64_t size_ = 0;
  std::optional<LfsPointer> pointer_;
  bool published_ = false;
};

}  // namespace

std::unique_ptr<LfsUpload> FsLfsStore::begin_upload() { return std::make_unique<FsLfsUpload>(*this); }

LfsPointer FsLfsStore::put_file(const stdfs::path& src) {
  Fd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.fd < 0) throw io_error("cannot read", src, errno);
  auto upload = begin_upload();
  std::string buf(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::read(in.fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("cannot read", src, errno);
    }
    if (n == 0) break;
    upload->write(buf.data(), static_cast<std::size_t>(n));
  }
  LfsPointer pointer = upload->finish();
  upload->publish();
  return pointer;
}

}  // namespace kcpp::server
