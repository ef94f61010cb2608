#include "cache/cache_layout.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <unistd.h>

#include <system_error>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/safe_dir.hpp"

namespace kcpp::cache {

const std::string_view kCacheDirTag =
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by huggingface_hub.\n"
    "# For information about cache directory tags, see:\n"
    "#\thttps://bford.info/cachedir/\n";

bool is_safe_repo_path(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  std::size_t start = 0;
  while (true) {
    auto slash = path.find('/', start);
    auto part = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  for (char c : path)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') return false;
  return true;
}

CacheLayout::CacheLayout(stdfs::path root, hub::RepoType type, hub::RepoId repo)
    : root_(std::move(root)), type_(type), repo_(std::move(repo)) {}

stdfs::path CacheLayout::repo_dir() const { return root_ / repo_folder_name(type_, repo_); }
stdfs::path CacheLayout::blobs_dir() const { return repo_dir() / "blobs"; }
stdfs::path CacheLayout::blob_path(std::string_view etag) const { return blobs_dir() / std::string(etag); }

stdfs::path CacheLayout::incomplete_path(std::string_view etag) const {
  return blobs_dir() / (std::string(etag) + ".incomplete");
}

stdfs::path CacheLayout::lock_path(std::string_view etag) const {
  return root_ / ".locks" / repo_folder_name(type_, repo_) / (std::string(etag) + ".lock");
}

stdfs::path CacheLayout::snapshot_dir(std::string_view commit) const {
  return repo_dir() / "snapshots" / std::string(commit);
}

stdfs::path CacheLayout::pointer_path(std::string_view commit, std::string_view repo_path) const {
  return snapshot_dir(commit) / stdfs::path(std::string(repo_path));
}

stdfs::path CacheLayout::ref_path(std::string_view revision) const {
  return repo_dir() / "refs" / stdfs::path(std::string(revision));
}

stdfs::path CacheLayout::blobs_rel() const { return stdfs::path(repo_folder_name(type_, repo_)) / "blobs"; }
stdfs::path CacheLayout::locks_rel() const { return stdfs::path(".locks") / repo_folder_name(type_, repo_); }
stdfs::path CacheLayout::snapshot_rel(std::string_view commit) const {
  return stdfs::path(repo_folder_name(type_, repo_)) / "snapshots" / std::string(commit);
}

std::string CacheLayout::relative_blob_target(std::string_view repo_path, std::string_view etag) {
  // The pointer sits in snapshots/<commit>/<dirs of repo_path>; climb to the repo folder.
  std::size_t depth = 2;  // snapshots/<commit>
  for (char c : repo_path)
    if (c == '/') ++depth;
  std::string target;
  for (std::size_t i = 0; i < depth; ++i) target += "../";
  target += "blobs/";
  target += etag;
  return target;
}

void CacheLayout::ensure_cachedir_tag() const {
  std::error_code ec;
  auto tag = root_ / "CACHEDIR.TAG";
  if (stdfs::exists(tag, ec)) return;
  try {
    fs::atomic_write(tag, kCacheDirTag);
  } catch (const Error&) {
    // Best effort, as upstream: a read-only or shared cache root is not an error.
  }
}

void CacheLayout::write_ref(std::string_view revision, std::string_view commit) const {
  if (revision == commit) return;
  // refs/<revision> may have directories ("refs/pr/1"); each is walked without following
  // links, like every other place we write below the root.
  const stdfs::path rel = stdfs::path(repo_folder_name(type_, repo_)) / "refs" / stdfs::path(std::string(revision));
  auto dir = fs::SafeDir::open(root_, rel.parent_path(), /*create=*/true);
  const std::string name = rel.filename().string();
  const int fd = ::openat(dir.fd(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    std::string current(41, '\0');
    const ssize_t n = ::read(fd, current.data(), current.size());
    ::close(fd);
    if (n >= 0 && std::string_view(current.data(), static_cast<std::size_t>(n)) == commit) return;
  }
  fs::atomic_write_at(dir, name, commit);
}

}  // namespace kcpp::cache
