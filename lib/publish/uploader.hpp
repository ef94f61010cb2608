#pragma once
// `kernel-builder upload`: publishes the build variants of a kernel directory to a Hub
// repository (upstream: kernel-builder/src/upload.rs). The library does the work and reports through
// UploadEvents; the command decides what to print and where.
//
// Deliberate differences from upstream (see README): files whose content the Hub already
// has at that path are not re-sent (preupload `oid`), so a re-upload of an unchanged
// build commits nothing and reports `no_changes`; URLs point at the configured endpoint
// when it is not huggingface.co.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hub/client.hpp"
#include "hub/types.hpp"
#include "hub/write.hpp"

namespace kcpp::publish {

enum class UploadStatus { no_changes, uploaded, pull_request_created };

struct PullRequest {
  std::string branch;
  std::string url;
};

struct UploadOutcome {
  UploadStatus status = UploadStatus::no_changes;
  std::string repo_id;
  std::optional<std::string> branch;
  std::optional<std::string> url;
  std::vector<PullRequest> pull_requests;
  std::size_t commits = 0;
  std::size_t files_uploaded = 0;  // sent (inline or LFS)
  std::size_t files_unchanged = 0; // already on the Hub with the same content
  std::size_t files_deleted = 0;
};

// Upstream's --output-json document: pretty JSON (2-space indent) + "\n" with status,
// repo_id, branch, url, pull_requests.
std::string outcome_json(const UploadOutcome& outcome);

struct UploadOptions {
  std::filesystem::path kernel_dir;
  std::optional<std::string> repo_id;  // default: build.toml general.hub.repo-id
  std::optional<std::string> branch;   // default: build.toml general.hub.branch, else v{version}
  bool private_repo = false;
  hub::RepoType repo_type = hub::RepoType::kernel;
  bool create_pr = false;
  int lfs_parallelism = 8;
};

struct UploadEvents {
  std::function<void(const std::string& line)> message;  // progress notes for stderr
  // A branch's commits start: total operations on it.
  std::function<void(const std::string& branch, std::size_t operations)> branch_started;
  std::function<void(const hub::UploadProgress&)> progress;
  std::function<void(const std::string& branch, bool pull_request)> branch_finished;
};

// Throws kcpp::Error with upstream's wording where it has one (missing repo id, no
// variants, multiple versions, permission guidance on 403, branch creation failures).
UploadOutcome upload(const hub::HubClient& client, const UploadOptions& options, const UploadEvents& events = {});

// Upstream's guidance when the Hub refuses to create a kernel repo for a logged-in user.
std::string publishing_guidance(const std::string& repo_id);

}  // namespace kcpp::publish
