#pragma once
// The kernel-level fields of a variant's metadata.json, as kernels 0.17.2 `info` shows them.
// The document is first checked with repo::parse_metadata (exactly what upstream's Metadata
// reader accepts), then the fields are read from the same JSON: `name`, `version`,
// `kernels-minver` (re-printed as X.Y.Z without leading zeros, like the Rust Version),
// `license`, `upstream` / `source` (URL serialisation, see git_url.hpp), `python-depends`.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kcpp::info {

struct MetadataInfo {
  std::string name;
  std::uint64_t version = 0;
  std::optional<std::string> kernels_minver;
  std::string license;
  std::optional<std::string> upstream;
  std::optional<std::string> source;
  std::vector<std::string> python_depends;
};

// Throws kcpp::Error(parse) "DISPLAY_PATH:LINE:COL: what" when upstream would reject it.
MetadataInfo parse_metadata_info(std::string_view text, const std::string& display_path);

}  // namespace kcpp::info
