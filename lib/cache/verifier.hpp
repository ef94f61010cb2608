#pragma once
// Verification of a downloaded variant, before anything of it is published under snapshots/.
//
// kernels 0.17 lock files pin a commit per kernel, not content hashes (lib/lock/lock_file.hpp),
// so the reference is the Hub's tree listing at that commit: for each file its git blob id,
// or for LFS files the sha256 the LFS pointer (part of the commit) names. Every byte we
// fetch is hashed while streaming (blob_store.hpp) and a variant passes only when each of
// its files hashed to the listed value. The variant digest reported to users is upstream's
// `git_lfs_concat` (kernels ≤ 0.16 lock hash, upstream: kernels 0.16 lockfile.py, docs/upstream.md) over the computed
// per-file hashes, so it equals the hash a 0.16 lock recorded for the same variant.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cache/download_plan.hpp"

namespace kcpp::cache {

// upstream git_lfs_concat: sort (name bytes, hash hex) pairs, feed SHA-256 with each name
// then the raw hash bytes (20 for git blob ids, 32 for sha256); "sha256-<hex>".
// NAME is the path inside the variant directory. Throws kcpp::Error(parse) on a non-hex hash.
std::string git_lfs_concat(std::vector<std::pair<std::string, std::string>> name_hash_pairs);

struct FileMismatch {
  std::string path;      // repo path
  std::string expected;  // hex
  std::string actual;    // hex
};

struct VariantVerdict {
  std::string expected_hash;  // git_lfs_concat over the listed hashes
  std::string actual_hash;    // git_lfs_concat over the computed hashes
  std::vector<FileMismatch> mismatches;  // in path order
  bool ok() const { return mismatches.empty() && expected_hash == actual_hash; }
};

// ACTUAL[i] is the computed hex hash of PLAN.files[i] (empty = not fetched: counted as a
// mismatch). Pure.
VariantVerdict verify_variant(const DownloadPlan& plan, const VariantPlan& variant,
                              const std::vector<std::string>& actual);

}  // namespace kcpp::cache
