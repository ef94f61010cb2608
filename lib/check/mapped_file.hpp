#pragma once
// A read-only memory map of a whole file (shared objects reach hundreds of MiB; the ABI
// reader touches only headers and tables, so mapping beats reading).
#include <filesystem>
#include <string_view>

namespace kcpp::check {

class MappedFile {
 public:
  // Throws kcpp::Error(io) naming the path.
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view bytes() const noexcept { return {static_cast<const char*>(data_), size_}; }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace kcpp::check
