#include "publish/variants.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "repo/metadata.hpp"

namespace kcpp::publish {
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error(ErrorKind::io, fmt::format("Cannot read metadata from: {}", p.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

repo::VariantMetadata read_metadata(const fs::path& variant) {
  const fs::path p = variant / "metadata.json";
  return repo::parse_metadata(read_text(p), p.string());
}

}  // namespace

BuildVariants discover_variants(const fs::path& kernel_dir) {
  const fs::path candidates[] = {kernel_dir / "result", kernel_dir / "build", kernel_dir};
  for (const auto& candidate : candidates) {
    std::error_code ec;
    if (!fs::is_directory(candidate, ec)) continue;
    BuildVariants found{candidate, {}};
    for (const auto& entry : fs::directory_iterator(candidate, ec)) {
      std::error_code ec2;
      if (entry.is_directory(ec2) && fs::is_regular_file(entry.path() / "metadata.json", ec2))
        found.variants.push_back(entry.path());
    }
    if (ec) throw Error(ErrorKind::io, fmt::format("Cannot read `{}`: {}", candidate.string(), ec.message()));
    if (!found.variants.empty()) {
      std::sort(found.variants.begin(), found.variants.end());
      return found;
    }
  }
  throw Error(ErrorKind::failure, fmt::format("No build variants found in `{}`, `{}`, or `{}`",
                                              candidates[0].string(), candidates[1].string(),
                                              candidates[2].string()))
      .hint("run `kernel-builder build` first, or pass the directory that holds build/<variant>/metadata.json");
}

std::vector<std::string> dirty_variant_names(const std::vector<fs::path>& variants) {
  std::vector<std::string> dirty;
  for (const auto& v : variants) {
    try {
      if (read_metadata(v).dirty) dirty.push_back(v.filename().string());
    } catch (const std::exception&) {
      // best effort: the version check below reports unreadable metadata
    }
  }
  std::sort(dirty.begin(), dirty.end());
  return dirty;
}

std::optional<std::string> branch_from_metadata(const std::vector<fs::path>& variants) {
  std::set<std::uint64_t> versions;
  for (const auto& v : variants) versions.insert(read_metadata(v).version);
  if (versions.size() > 1)
    throw Error(ErrorKind::failure,
                fmt::format("Found multiple versions in build variants: {}", fmt::join(versions, ", ")))
        .hint("upload the variants of one version at a time, or pass --branch");
  if (versions.empty()) return std::nullopt;
  return fmt::format("v{}", *versions.begin());
}

}  // namespace kcpp::publish
