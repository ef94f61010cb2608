#pragma once
// What `kernels check` looks at, the same shape for a local kernel directory and for a
// Hub revision: the variant directories under build/, each with its files (path inside
// the variant, size, where the bytes are on disk if we have them, the sha256 if the
// listing already tells it) and its sub-directories. The rules work on this view only, so
// they neither know nor care where a file came from.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hub/types.hpp"

namespace kcpp::check {

struct TreeFile {
  std::string rel;  // "/"-separated path inside the variant directory
  std::uint64_t size = 0;
  std::filesystem::path local;            // readable bytes ("" = not on disk: Hub file not fetched)
  std::optional<std::string> sha256_hex;  // known content hash (Hub: the LFS oid)
  std::string repo_path;                  // Hub: build/<variant>/<rel>
  std::string etag;                       // Hub: git blob id or LFS sha256 (the cache blob name)
  bool lfs = false;                       // Hub: stored as an LFS object
};

struct VariantTree {
  std::string name;
  std::vector<TreeFile> files;  // regular files, sorted by rel
  std::set<std::string> dirs;   // sub-directories (rel), at any depth
  const TreeFile* file(std::string_view rel) const;
  TreeFile* file(std::string_view rel);
};

struct KernelTree {
  bool has_build_dir = false;
  std::vector<VariantTree> variants;  // every directory directly under build/, sorted by name
};

// Reads KERNEL_DIR/build. Files are what a recursive walk finds that resolve to regular
// files (symlinks followed, as in the Hugging Face cache; directory symlinks are not
// descended, as upstream's walkdir does). Throws kcpp::Error(io) when a directory cannot
// be read.
KernelTree scan_local(const std::filesystem::path& kernel_dir);

// Builds the tree from a recursive Hub listing of "build" (docs/hub-api.md E2). Entries with
// unsafe paths are refused (kcpp::Error(parse)).
KernelTree tree_from_listing(const std::vector<hub::TreeEntry>& entries, const std::string& repo_label);

// Whether REL names a shared object the ABI rules check (upstream: *.so and *.pyd).
bool is_shared_object(std::string_view rel);

}  // namespace kcpp::check
