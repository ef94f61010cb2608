#pragma once
// Directories below a trusted root, opened without following symbolic links.
//
// The Hugging Face cache may be shared, restored from a backup or prepared by someone else:
// a symbolic link planted at `kernels--org--k/`, its `blobs/`, or `.locks/kernels--org--k/`
// would carry our writes (blobs, snapshot links, lock files) anywhere the link points.
// SafeDir opens the root as given (the user may point HF_HUB_CACHE at a linked directory on
// purpose), then walks every component below it with openat(O_NOFOLLOW | O_DIRECTORY) from
// the previous component's descriptor, creating missing ones with mkdirat when asked. What
// the walk ends on is a descriptor of the real directory: files are then opened, renamed and
// linked relative to it (the *at calls), so no component can be swapped for a link between a
// check and the write. A link (or a non-directory) in the way is an error naming the path.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace kcpp::fs {

class SafeDir {
 public:
  // ROOT (links followed; created with its parents when CREATE), then each component of REL
  // (relative, no "." / ".." / empty components) without following links. CREATE makes
  // missing components (mode 0777 & ~umask, as mkdir -p). Throws kcpp::Error(io) naming the
  // path: a symbolic link ("kernels refuses to follow it", hint: remove it), a non-directory,
  // or a missing component when !CREATE.
  static SafeDir open(const std::filesystem::path& root, const std::filesystem::path& rel, bool create);

  // Like open(…, false), but nullopt when a component (or ROOT) does not exist.
  static std::optional<SafeDir> open_existing(const std::filesystem::path& root, const std::filesystem::path& rel);

  SafeDir(SafeDir&& other) noexcept;
  SafeDir& operator=(SafeDir&& other) noexcept;
  SafeDir(const SafeDir&) = delete;
  SafeDir& operator=(const SafeDir&) = delete;
  ~SafeDir();

  int fd() const noexcept { return fd_; }
  // ROOT / REL, for messages.
  const std::filesystem::path& path() const noexcept { return path_; }
  std::filesystem::path path_of(std::string_view name) const { return path_ / std::string(name); }

 private:
  SafeDir(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  static std::optional<SafeDir> walk(const std::filesystem::path& root, const std::filesystem::path& rel, bool create,
                                     bool missing_ok);
  int fd_ = -1;
  std::filesystem::path path_;
};

// The error for PATH being a symbolic link where kernels would write through it: names the
// path, says that kernels refuses to follow it, hints to remove it.
kcpp::Error symlink_refused(const std::filesystem::path& path);
// Whether E is such an error.
bool is_symlink_refusal(const kcpp::Error& e);

// The process umask, without changing it (Linux: /proc/self/status, read on every call;
// elsewhere umask() is set and restored once, on the first call — make that call before
// starting threads).
mode_t current_umask();

// Atomically replaces DIR/NAME with CONTENT: a temporary file beside it (O_EXCL, MODE &
// ~umask), fsync, renameat. NAME is one component; a link at NAME is replaced, not followed.
void atomic_write_at(const SafeDir& dir, std::string_view name, std::string_view content, mode_t mode = 0644);

}  // namespace kcpp::fs
