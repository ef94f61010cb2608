#pragma once
// metadata.json as kernel-builder writes it (kernels-data metadata.rs / digest.rs):
// kebab-case keys in the struct's order (name, id, version, license, upstream?, source?,
// python-depends, kernel-depends, backend {type, archs?}, digest?, provenance?), pretty
// printed like serde_json::to_writer_pretty (2 spaces, no trailing newline), and the digest
// of a variant directory (§7.3): every regular file (through a symlink too; symlinked
// directories are not descended into, as walkdir's defaults upstream) except top-level
// metadata.json / metadata.json.sigstore, `__pycache__` and `*.pyc`, keyed by the relative
// path with '/', valued by base64 SHA-256, sorted by key.
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "builder/build_toml.hpp"

namespace kcpp::builder {

using ordered_json = nlohmann::ordered_json;

struct GitProvenance {
  std::string commit;
  bool dirty = false;
};

struct MetadataFields {
  std::string id;
  std::string backend;                      // cpu, cuda, …
  std::optional<std::vector<std::string>> archs;
  std::optional<GitProvenance> kernel;      // provenance.kernel
};

// metadata.json of one variant of CONFIG, without digest.
ordered_json make_metadata(const BuildConfig& config, Backend backend, const MetadataFields& fields);

// {"algorithm": "sha256", "files": {...}} over VARIANT_DIR. Throws kcpp::Error(io).
ordered_json digest_of(const std::filesystem::path& variant_dir);

// METADATA with `digest` set, placed before `provenance` as upstream's struct orders it.
ordered_json with_digest(const ordered_json& metadata, ordered_json digest);

// serde_json pretty form (no trailing newline).
std::string render_metadata(const ordered_json& metadata);

// Re-orders an existing metadata.json the way upstream's Metadata struct serialises it
// (unknown top-level keys dropped, `sha` read as `commit`, oids lower-cased).
ordered_json canonical_metadata(const ordered_json& in);

// `kernel-builder hash`: VARIANT_DIR/metadata.json gets the digest of VARIANT_DIR (checked
// with the metadata.json reader first; errors name FILE:LINE:COL).
void hash_variant(const std::filesystem::path& variant_dir);

// Upstream's discover_variants: the first of KERNEL_DIR/result, KERNEL_DIR/build, KERNEL_DIR
// with sub-directories holding metadata.json; sorted. Throws kcpp::Error with upstream's
// "No build variants found in `…`, `…`, or `…`" otherwise.
std::vector<std::filesystem::path> discover_variant_dirs(const std::filesystem::path& kernel_dir,
                                                         std::filesystem::path* found_in = nullptr);

}  // namespace kcpp::builder
