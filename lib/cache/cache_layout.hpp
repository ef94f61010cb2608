#pragma once
// The Hugging Face hub cache layout, byte for byte as huggingface_hub writes it
// (docs/hub-api.md, "The cache"), for one cache root:
//
//   <root>/CACHEDIR.TAG
//   <root>/.locks/kernels--ns--name/<etag>.lock
//   <root>/kernels--ns--name/blobs/<etag>                   content; etag = sha256 (LFS) or git blob sha1
//   <root>/kernels--ns--name/blobs/<etag>.incomplete        a transfer in progress (resumable)
//   <root>/kernels--ns--name/refs/<revision>                40-hex commit, no newline
//   <root>/kernels--ns--name/snapshots/<commit>/<path>      relative symlink → ../…/blobs/<etag>
//
// Pure path arithmetic plus the two small writers every user of the layout needs
// (CACHEDIR.TAG, refs). Blobs live in blob_store.hpp, snapshots in snapshot_writer.hpp.
#include <filesystem>
#include <string>
#include <string_view>

#include "hub/types.hpp"

namespace kcpp::cache {

namespace stdfs = std::filesystem;

// "kernels--ns--name" / "models--ns--name": defined with the Hub's wire vocabulary.
using hub::repo_folder_name;

// huggingface_hub's CACHEDIR.TAG text.
extern const std::string_view kCacheDirTag;

// Whether PATH is a safe repo-relative file path: "/"-separated, no empty, "." or ".."
// components, no leading "/", no NUL, backslash or other control character. Tree entries
// that fail this are refused (a hostile server must not write outside the snapshot, nor
// put line breaks into what we print).
bool is_safe_repo_path(std::string_view path);

class CacheLayout {
 public:
  CacheLayout(stdfs::path root, hub::RepoType type, hub::RepoId repo);

  const stdfs::path& root() const noexcept { return root_; }
  const hub::RepoId& repo() const noexcept { return repo_; }
  hub::RepoType type() const noexcept { return type_; }

  stdfs::path repo_dir() const;                                   // <root>/kernels--ns--name
  stdfs::path blobs_dir() const;                                  // …/blobs
  stdfs::path blob_path(std::string_view etag) const;             // …/blobs/<etag>
  stdfs::path incomplete_path(std::string_view etag) const;       // …/blobs/<etag>.incomplete
  stdfs::path lock_path(std::string_view etag) const;             // <root>/.locks/<folder>/<etag>.lock
  stdfs::path snapshot_dir(std::string_view commit) const;        // …/snapshots/<commit>
  // …/snapshots/<commit>/<repo_path> (REPO_PATH must satisfy is_safe_repo_path).
  stdfs::path pointer_path(std::string_view commit, std::string_view repo_path) const;
  stdfs::path ref_path(std::string_view revision) const;          // …/refs/<revision>

  // The same places relative to root(), for fs::SafeDir (which walks them without following
  // links): kernels--ns--name/blobs, .locks/kernels--ns--name, kernels--ns--name/snapshots/<commit>.
  stdfs::path blobs_rel() const;
  stdfs::path locks_rel() const;
  stdfs::path snapshot_rel(std::string_view commit) const;

  // The symlink target of snapshots/<commit>/<repo_path>: "../" once per directory level
  // below the repo folder, then "blobs/<etag>" (e.g. "../../../../blobs/<etag>" for
  // build/<variant>/x.py).
  static std::string relative_blob_target(std::string_view repo_path, std::string_view etag);

  // Writes <root>/CACHEDIR.TAG when absent (like huggingface_hub; errors ignored).
  void ensure_cachedir_tag() const;

  // refs/<revision> := COMMIT (atomic, no trailing newline, only when it changes). Nothing
  // is written when REVISION is the commit itself, as huggingface_hub does.
  void write_ref(std::string_view revision, std::string_view commit) const;

 private:
  stdfs::path root_;
  hub::RepoType type_;
  hub::RepoId repo_;
};

}  // namespace kcpp::cache
