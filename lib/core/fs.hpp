#pragma once
// File-system helpers with the guarantees the tools promise: nothing half-written
// (write to a temp file in the same directory, fsync, rename), RAII temp directories.
#include <filesystem>
#include <string>
#include <string_view>

namespace kcpp::fs {

namespace stdfs = std::filesystem;

// Whole file as bytes; throws kcpp::Error(io) naming the path.
std::string read_file(const stdfs::path& path);

// Atomically replaces PATH with CONTENT: temp file beside it + fsync + rename.
// Creates parent directories. Throws kcpp::Error(io) naming the path.
void atomic_write(const stdfs::path& path, std::string_view content);

// A fresh directory under the system temp dir, removed (recursively) on destruction.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "kcpp");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const stdfs::path& path() const noexcept { return path_; }

 private:
  stdfs::path path_;
};

// A short random hex string (for unique temp names).
std::string random_hex(std::size_t bytes);

}  // namespace kcpp::fs
