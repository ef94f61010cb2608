#pragma once
// metadata.json contents kept between `kernels lock` runs in the Hugging Face cache, as
// upstream's lock does through hf_hub_download: blobs/<git blob id> of the repo's cache
// folder (the name huggingface_hub gives a regular file's blob). Reads verify the content
// against its id, so a damaged blob is simply fetched again; writes are atomic and best
// effort (a read-only cache only costs the GET).
#include <filesystem>
#include <optional>
#include <string>

#include "hub/types.hpp"

namespace kcpp::lock {

std::optional<std::string> read_cached_blob(const std::filesystem::path& cache, const hub::RepoId& repo,
                                            const std::string& blob_id);
void store_cached_blob(const std::filesystem::path& cache, const hub::RepoId& repo, const std::string& blob_id,
                       const std::string& content);

}  // namespace kcpp::lock
