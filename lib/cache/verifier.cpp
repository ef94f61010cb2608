#include "cache/verifier.hpp"

#include <algorithm>

#include "core/hash.hpp"

namespace kcpp::cache {

std::string git_lfs_concat(std::vector<std::pair<std::string, std::string>> pairs) {
  std::sort(pairs.begin(), pairs.end());
  hash::Hasher h(hash::Algorithm::sha256);
  for (const auto& [name, hex] : pairs) {
    h.update(name);
    h.update(hash::from_hex(hex));
  }
  return "sha256-" + h.finish_hex();
}

VariantVerdict verify_variant(const DownloadPlan& plan, const VariantPlan& variant,
                              const std::vector<std::string>& actual) {
  VariantVerdict v;
  std::vector<std::pair<std::string, std::string>> expected_pairs, actual_pairs;
  bool complete = true;
  for (auto i : variant.files) {
    const auto& f = plan.files[i];
    const std::string& got = i < actual.size() ? actual[i] : std::string();
    expected_pairs.emplace_back(f.rel, f.etag);
    if (got.empty()) complete = false;
    else actual_pairs.emplace_back(f.rel, got);
    if (got != f.etag) v.mismatches.push_back({f.path, f.etag, got});
  }
  v.expected_hash = git_lfs_concat(expected_pairs);
  v.actual_hash = complete ? git_lfs_concat(actual_pairs) : std::string();
  return v;
}

}  // namespace kcpp::cache
