#pragma once
// Pure pieces of the write protocol (docs/hub-api.md E9, E10, E12), unit-tested without a
// server: NDJSON commit lines, repo path checks, LFS href rewriting and the pull
// request number in a commit answer.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kcpp::hub {

// One NDJSON line each, "\n"-terminated (docs/hub-api.md E12). The header must come first.
std::string ndjson_header(const std::string& summary, const std::string& description,
                          const std::optional<std::string>& parent_commit);
std::string ndjson_file(const std::string& path, std::string_view content);  // base64-encoded
std::string ndjson_lfs_file(const std::string& path, const std::string& sha256, std::uint64_t size);
std::string ndjson_deleted_file(const std::string& path);
std::string ndjson_deleted_folder(const std::string& path);

// Why PATH cannot be a path in a repo ("" when it can): empty, absolute, "\", NUL, empty or
// "."/".." components, a ".git" component, or longer than 1000 bytes. Checked before any
// request so that a bad path fails with the operation named, not with a server 400.
std::string repo_path_problem(std::string_view path);

// huggingface_hub rewrites server-returned URLs that start with https://huggingface.co to
// the configured endpoint (an LFS href seen through a mirror or proxy). Only a whole origin
// matches: "https://huggingface.co.example" is left alone.
std::string rewrite_hub_href(const std::string& href, const std::string& endpoint);

// N from a pullRequestUrl ".../discussions/N" (trailing "/", query or fragment ignored).
std::optional<int> pr_number_from_url(std::string_view url);

}  // namespace kcpp::hub
