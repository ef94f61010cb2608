#pragma once
// What an upload changes on each branch (upstream: kernel-builder/src/upload.rs step 4–5): pure functions
// over the local files and the remote tree, so the rules are unit-tested without a Hub.
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "hub/write.hpp"

namespace kcpp::publish {

// Repo path → local file.
using LocalFiles = std::map<std::string, std::filesystem::path>;

// Every regular file under each variant as "build/<variant>/<relpath>" ("/"-separated,
// relative to BUILD_DIR). Symlinks to files are followed, as upstream's walk does.
LocalFiles variant_files(const std::filesystem::path& build_dir, const std::vector<std::filesystem::path>& variants);

// KERNEL_DIR/benchmarks/benchmark*.py as "benchmarks/<name>".
LocalFiles benchmark_files(const std::filesystem::path& kernel_dir);

// The main branch: README.md from BUILD_DIR/CARD.md when present.
std::vector<hub::CommitOperation> plan_main_branch(const std::filesystem::path& build_dir);

struct VersionBranchInput {
  LocalFiles build;                          // variant_files()
  std::vector<std::string> variant_names;    // directories being uploaded
  LocalFiles benchmarks;                     // benchmark_files()
  std::vector<std::string> existing_files;   // remote files of the branch (recursive)
  bool new_branch = false;
};

// Operations for the version branch, in upstream's order: benchmark adds, benchmark
// deletes, build deletes, build adds (adds sorted by path). Deletes: on a new branch every
// remote file under build/ and benchmarks/ that is not re-uploaded; on an existing branch
// only files under an uploaded variant's prefix and benchmark*.py files — other variants
// stay.
std::vector<hub::CommitOperation> plan_version_branch(const VersionBranchInput& in);

// Chunks of at most BATCH operations (upstream commits 1000 at a time).
std::vector<std::vector<hub::CommitOperation>> batches(const std::vector<hub::CommitOperation>& ops,
                                                       std::size_t batch = 1000);

// "Uploaded using `kernel-builder`." or "… (batch I/N)." (I is 1-based).
std::string commit_message(std::size_t index, std::size_t count);

}  // namespace kcpp::publish
