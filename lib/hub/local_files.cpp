#include "hub/local_files.hpp"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "core/error.hpp"
#include "core/hash.hpp"

namespace kcpp::hub {

namespace {

Error io_error(const std::filesystem::path& path, const char* what, int err) {
  return Error(ErrorKind::io, "cannot " + std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

}  // namespace

FileReader::FileReader(const std::filesystem::path& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw io_error(path, "open", errno);
}

FileReader::~FileReader() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t FileReader::read_at(std::uint64_t offset, char* buf, std::size_t n) const {
  for (;;) {
    ssize_t got = ::pread(fd_, buf, n, static_cast<off_t>(offset));
    if (got >= 0) return static_cast<std::size_t>(got);
    if (errno != EINTR) throw io_error(path_, "read", errno);
  }
}

std::string FileReader::read_all() const {
  std::string out;
  std::vector<char> buf(1 << 20);
  for (std::uint64_t offset = 0;;) {
    std::size_t got = read_at(offset, buf.data(), buf.size());
    if (got == 0) return out;
    out.append(buf.data(), got);
    offset += got;
  }
}

LocalDigest digest_file(const std::filesystem::path& path) {
  FileReader file(path);
  hash::Hasher sha256(hash::Algorithm::sha256);
  LocalDigest d;
  std::vector<char> buf(1 << 20);
  for (;;) {
    std::size_t got = file.read_at(d.size, buf.data(), buf.size());
    if (got == 0) break;
    if (d.sample.size() < kPreuploadSampleBytes)
      d.sample.append(buf.data(), std::min(got, kPreuploadSampleBytes - d.sample.size()));
    sha256.update(std::string_view(buf.data(), got));
    d.size += got;
  }
  d.sha256 = sha256.finish_hex();
  return d;
}

LocalDigest digest_bytes(std::string_view bytes) {
  return LocalDigest{bytes.size(), hash::sha256_hex(bytes), std::string(bytes.substr(0, kPreuploadSampleBytes))};
}

}  // namespace kcpp::hub
