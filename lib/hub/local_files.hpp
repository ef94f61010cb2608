#pragma once
// The local side of an upload: digests of an addition's bytes (what preupload and the LFS
// batch need: size, sha256, first 512 bytes) and positional reads of a file on disk, so an
// LFS object is streamed, never read whole into memory.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace kcpp::hub {

inline constexpr std::size_t kPreuploadSampleBytes = 512;

struct LocalDigest {
  std::uint64_t size = 0;
  std::string sha256;  // 64 lower-case hex
  std::string sample;  // the first kPreuploadSampleBytes bytes (fewer for smaller files)
};

// Streams the file once. Throws kcpp::Error(io) naming PATH when it cannot be read.
LocalDigest digest_file(const std::filesystem::path& path);
LocalDigest digest_bytes(std::string_view bytes);

// A read-only file read at offsets (pread): one instance may serve several threads.
class FileReader {
 public:
  // Throws kcpp::Error(io) naming PATH.
  explicit FileReader(const std::filesystem::path& path);
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  // Reads up to N bytes at OFFSET into BUF; returns how many (0 at end of file). Throws
  // kcpp::Error(io) on a read error.
  std::size_t read_at(std::uint64_t offset, char* buf, std::size_t n) const;
  // The whole file from offset 0 (regular files, which are small).
  std::string read_all() const;

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace kcpp::hub
