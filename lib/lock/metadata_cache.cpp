#include "lock/metadata_cache.hpp"

#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/hash.hpp"

namespace kcpp::lock {

namespace {
std::filesystem::path blob_path(const std::filesystem::path& cache, const hub::RepoId& repo, const std::string& id) {
  return cache / hub::repo_folder_name(hub::RepoType::kernel, repo) / "blobs" / id;
}
}  // namespace

std::optional<std::string> read_cached_blob(const std::filesystem::path& cache, const hub::RepoId& repo,
                                            const std::string& blob_id) {
  if (!hub::is_commit_sha(blob_id)) return std::nullopt;  // git blob ids share the 40-hex form
  std::error_code ec;
  auto path = blob_path(cache, repo, blob_id);
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  try {
    auto content = fs::read_file(path);
    if (hash::git_blob_id(content) == blob_id) return content;
    spdlog::debug("cached blob {} does not match its id; fetching it again", path.string());
  } catch (const Error&) {
  }
  return std::nullopt;
}

void store_cached_blob(const std::filesystem::path& cache, const hub::RepoId& repo, const std::string& blob_id,
                       const std::string& content) {
  if (!hub::is_commit_sha(blob_id) || hash::git_blob_id(content) != blob_id) return;
  try {
    fs::atomic_write(blob_path(cache, repo, blob_id), content);
  } catch (const Error& e) {
    spdlog::debug("not caching {}: {}", blob_id, e.what());
  }
}

}  // namespace kcpp::lock
