#pragma once
// Local kernel directories for the check tests: build/<variant>/ with __init__.py, the
// compatibility directory, metadata.json (optionally with a digest computed over the files
// present when it is written) and any extra files (shared objects from ../abi/fixtures.hpp).
#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "../abi/fixtures.hpp"
#include "check/digest.hpp"

namespace kcpp::test {

struct VariantSpec {
  std::string name = "torch211-cxx11-cpu-x86_64-linux";
  std::string kernel = "relu";
  std::string backend = "cpu";
  std::uint64_t version = 1;
  std::map<std::string, std::string> files;  // rel → bytes (besides the package files)
  bool digest = true;
  nlohmann::json metadata_overrides = nlohmann::json::object();  // merged into metadata.json (null removes)
};

inline std::filesystem::path write_variant(const std::filesystem::path& kernel_dir, const VariantSpec& spec) {
  const auto dir = kernel_dir / "build" / spec.name;
  std::string py = spec.kernel;
  for (auto& c : py)
    if (c == '-') c = '_';
  write_bytes(dir / "__init__.py", "from ._ops import ops\n");
  write_bytes(dir / "_ops.py", "ops = None\n");
  write_bytes(dir / py / "__init__.py", "# compatibility module\n");
  for (const auto& [rel, bytes] : spec.files) write_bytes(dir / rel, bytes);
  nlohmann::ordered_json meta{{"name", spec.kernel},
                              {"id", "_" + py + "_" + spec.backend + "_0123abc"},
                              {"version", spec.version},
                              {"license", "Apache-2.0"},
                              {"python-depends", nlohmann::json::array()},
                              {"backend", {{"type", spec.backend}}}};
  if (spec.digest) {
    nlohmann::ordered_json files = nlohmann::ordered_json::object();
    for (auto it = std::filesystem::recursive_directory_iterator(dir);
         it != std::filesystem::recursive_directory_iterator(); ++it) {
      if (!it->is_regular_file()) continue;
      const std::string rel = std::filesystem::relative(it->path(), dir).generic_string();
      if (check::excluded_from_digest(rel)) continue;
      files[rel] = check::hash_file_base64(it->path(), check::DigestAlgorithm::sha256);
    }
    meta["digest"] = {{"algorithm", "sha256"}, {"files", files}};
  }
  for (auto it = spec.metadata_overrides.begin(); it != spec.metadata_overrides.end(); ++it) {
    if (it.value().is_null())
      meta.erase(it.key());
    else
      meta[it.key()] = it.value();
  }
  write_bytes(dir / "metadata.json", meta.dump(2) + "\n");
  return dir;
}

}  // namespace kcpp::test
