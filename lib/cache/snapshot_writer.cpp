#include "cache/snapshot_writer.hpp"

#include <fmt/core.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/safe_dir.hpp"

namespace kcpp::cache {

namespace {

// snapshots/<commit>/<directories of REPO_PATH>, relative to the cache root.
stdfs::path link_dir_rel(const CacheLayout& layout, std::string_view commit, std::string_view repo_path) {
  return (layout.snapshot_rel(commit) / stdfs::path(std::string(repo_path))).parent_path();
}

}  // namespace

void SnapshotWriter::check(std::string_view commit, std::string_view repo_path) const {
  if (!is_safe_repo_path(repo_path))
    throw Error(ErrorKind::parse, fmt::format("refusing to publish unsafe path '{}'", repo_path));
  // Every directory from the repo folder down to the link's must be a real one (or not exist
  // yet): a symbolic link among them (planted, never made by us) would carry our writes
  // outside the cache. open_existing throws naming it.
  (void)fs::SafeDir::open_existing(layout_.root(), link_dir_rel(layout_, commit, repo_path));
}

void SnapshotWriter::link(std::string_view commit, std::string_view repo_path, std::string_view etag) const {
  check(commit, repo_path);
  const auto dir = fs::SafeDir::open(layout_.root(), link_dir_rel(layout_, commit, repo_path), /*create=*/true);
  const std::string name = stdfs::path(std::string(repo_path)).filename().string();
  const auto target = CacheLayout::relative_blob_target(repo_path, etag);
  std::string current(target.size() + 1, '\0');
  const ssize_t n = ::readlinkat(dir.fd(), name.c_str(), current.data(), current.size());
  if (n >= 0 && std::string_view(current.data(), static_cast<std::size_t>(n)) == target) return;
  const std::string tmp = name + "." + fs::random_hex(4) + ".tmp";
  if (::symlinkat(target.c_str(), dir.fd(), tmp.c_str()) != 0) {
    int err = errno;
    throw Error(ErrorKind::io, fmt::format("cannot create symlink {}: {}", dir.path_of(tmp).string(), std::strerror(err)))
        .hint("the Hugging Face cache layout needs a file system with symbolic links");
  }
  if (::renameat(dir.fd(), tmp.c_str(), dir.fd(), name.c_str()) != 0) {
    int err = errno;
    ::unlinkat(dir.fd(), tmp.c_str(), 0);
    throw Error(ErrorKind::io, fmt::format("cannot create {}: {}", dir.path_of(name).string(), std::strerror(err)));
  }
}

}  // namespace kcpp::cache
