#pragma once
// What `kernels download` prints about its results: the variant paths (text, stdout) and
// the --json summary.
#include <filesystem>
#include <string>
#include <vector>

#include "cache/kernel_download.hpp"

namespace kcpp::cache {

// One line per downloaded variant: its directory in the cache ("<path>\n").
std::string render_paths(const std::vector<KernelResult>& results);

// {"cache": …, "ok": bool, "kernels": [{"repo_id", "version" | "revision", "commit", "status": "ok" |
//  "no_variant" | "failed", "snapshot", "variants": [{"name", "path", "hash", "files", "bytes",
//  "fetched_files", "reused_files", "transferred_bytes"}], "message"?, "error"?: {"kind",
//  "message", "causes", "hints"}}]} — two-space indent, trailing newline.
std::string render_json(const std::vector<KernelResult>& results, const std::filesystem::path& cache_root);

// "verification", "network", … (the ErrorKind's name).
std::string error_kind_name(ErrorKind kind);

}  // namespace kcpp::cache
