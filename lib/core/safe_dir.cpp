#include "core/safe_dir.hpp"

#include <fcntl.h>
#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>

#include "core/fs.hpp"

namespace kcpp::fs {

namespace {

Error io_error(const std::string& what, const std::filesystem::path& p, int err) {
  return Error(ErrorKind::io, fmt::format("cannot {} {}: {}", what, p.string(), std::strerror(err)));
}

bool is_link_at(int dirfd, const std::string& name) {
  struct stat st {};
  return ::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

}  // namespace

// The walk behind open() and open_existing(); nullopt only when MISSING_OK and a component
// (or the root) does not exist.
std::optional<SafeDir> SafeDir::walk(const std::filesystem::path& root, const std::filesystem::path& rel,
                                     bool create, bool missing_ok) {
  std::error_code ec;
  if (create) std::filesystem::create_directories(root, ec);  // the root is the user's: links followed
  int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT && missing_ok) return std::nullopt;
    throw io_error("open the directory", root, errno)
        .hint("check that " + root.string() + " is a directory you can write to");
  }
  std::filesystem::path path = root;
  for (const auto& part : rel) {
    const std::string name = part.string();
    path /= part;
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
      ::close(fd);
      throw Error(ErrorKind::io, fmt::format("refusing the path {}: '{}' is not a plain directory name", path.string(),
                                             name));
    }
    constexpr int kFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    int next = ::openat(fd, name.c_str(), kFlags);
    if (next < 0 && errno == ENOENT && create) {
      if (::mkdirat(fd, name.c_str(), 0777) != 0 && errno != EEXIST) {
        const int err = errno;
        ::close(fd);
        throw io_error("create", path, err);
      }
      next = ::openat(fd, name.c_str(), kFlags);
    }
    if (next < 0) {
      const int err = errno;
      const bool link = is_link_at(fd, name);
      ::close(fd);
      if (link) throw symlink_refused(path);
      if (err == ENOENT && missing_ok) return std::nullopt;
      if (err == ENOTDIR)
        throw Error(ErrorKind::io, fmt::format("{} is not a directory", path.string()))
            .hint("something other than kernels put a file there; remove " + path.string() + " and re-run");
      throw io_error("open the directory", path, err);
    }
    ::close(fd);
    fd = next;
  }
  return SafeDir(fd, path);
}

namespace {
constexpr std::string_view kRefusal = " is a symbolic link, which kernels refuses to follow inside the cache";
}  // namespace

bool is_symlink_refusal(const Error& e) {
  const std::string_view what = e.what();
  return e.kind() == ErrorKind::io && what.size() >= kRefusal.size() &&
         what.substr(what.size() - kRefusal.size()) == kRefusal;
}

Error symlink_refused(const std::filesystem::path& path) {
  return Error(ErrorKind::io, path.string() + std::string(kRefusal))
      .hint(fmt::format("kernels never writes through links below the cache directory (only the cache directory "
                        "itself may be one); remove the link (rm '{}') and re-run",
                        path.string()));
}

SafeDir SafeDir::open(const std::filesystem::path& root, const std::filesystem::path& rel, bool create) {
  return *walk(root, rel, create, false);
}

std::optional<SafeDir> SafeDir::open_existing(const std::filesystem::path& root, const std::filesystem::path& rel) {
  return walk(root, rel, false, true);
}

SafeDir::SafeDir(SafeDir&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }

SafeDir& SafeDir::operator=(SafeDir&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

SafeDir::~SafeDir() {
  if (fd_ >= 0) ::close(fd_);
}

mode_t current_umask() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with("Umask:")) return static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8) & 0777);
  // No /proc (macOS): read it by setting it, once (not thread-safe: call before threads start).
  static const mode_t fallback = [] {
    const mode_t m = ::umask(022);
    ::umask(m);
    return m;
  }();
  return fallback;
}

void atomic_write_at(const SafeDir& dir, std::string_view name, std::string_view content, mode_t mode) {
  const std::string tmp = std::string(name) + "." + random_hex(4) + ".tmp";
  int fd = ::openat(dir.fd(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) throw io_error("create", dir.path_of(tmp), errno);
  auto fail = [&](const char* what) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    ::unlinkat(dir.fd(), tmp.c_str(), 0);
    return io_error(what, dir.path_of(tmp), err);
  };
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw fail("write");
    content.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd) != 0) throw fail("flush");
  const int closed = ::close(fd);
  fd = -1;
  if (closed != 0) throw fail("flush");
  // renameat replaces whatever is at NAME (a planted link included) without following it.
  if (::renameat(dir.fd(), tmp.c_str(), dir.fd(), std::string(name).c_str()) != 0) {
    const int err = errno;
    ::unlinkat(dir.fd(), tmp.c_str(), 0);
    throw io_error("rename into", dir.path_of(name), err);
  }
}

}  // namespace kcpp::fs
