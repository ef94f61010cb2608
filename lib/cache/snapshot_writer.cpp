#include "cache/snapshot_writer.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace kcpp::cache {

void SnapshotWriter::check(std::string_view commit, std::string_view repo_path) const {
  if (!is_safe_repo_path(repo_path))
    throw Error(ErrorKind::parse, fmt::format("refusing to publish unsafe path '{}'", repo_path));
  const auto pointer = layout_.pointer_path(commit, repo_path);
  std::error_code ec;
  // Every directory from snapshots/ down to the link's must be a real one: a symbolic link
  // among them (planted, never made by us) would carry our writes outside the cache.
  for (auto dir = pointer.parent_path();; dir = dir.parent_path()) {
    if (stdfs::is_symlink(dir, ec))
      throw Error(ErrorKind::io, fmt::format("refusing to write through the symbolic link {} in the cache", dir.string()))
          .hint("snapshot directories hold only directories and links to blobs; remove " + dir.string() +
                " and re-run");
    if (dir == layout_.repo_dir() / "snapshots" || dir == layout_.repo_dir() || !dir.has_parent_path()) break;
  }
}

void SnapshotWriter::link(std::string_view commit, std::string_view repo_path, std::string_view etag) const {
  check(commit, repo_path);
  const auto pointer = layout_.pointer_path(commit, repo_path);
  const auto target = CacheLayout::relative_blob_target(repo_path, etag);
  std::error_code ec;
  if (stdfs::is_symlink(pointer, ec) && stdfs::read_symlink(pointer, ec).string() == target && !ec) return;
  stdfs::create_directories(pointer.parent_path(), ec);
  if (ec)
    throw Error(ErrorKind::io, fmt::format("cannot create {}: {}", pointer.parent_path().string(), ec.message()))
        .hint("check that the cache directory is writable (KERNELS_CACHE, HF_HUB_CACHE, HF_HOME)");
  auto tmp = pointer;
  tmp += "." + fs::random_hex(4) + ".tmp";
  if (::symlink(target.c_str(), tmp.c_str()) != 0) {
    int err = errno;
    throw Error(ErrorKind::io, fmt::format("cannot create symlink {}: {}", tmp.string(), std::strerror(err)))
        .hint("the Hugging Face cache layout needs a file system with symbolic links");
  }
  if (::rename(tmp.c_str(), pointer.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw Error(ErrorKind::io, fmt::format("cannot create {}: {}", pointer.string(), std::strerror(err)));
  }
}

}  // namespace kcpp::cache
