#pragma once
// A build variant's metadata.json (upstream: kernels-data/src/metadata.rs), checked the way kernels-data's
// `Metadata` deserialiser checks it — `kernels lock` fails on a variant whose metadata
// upstream cannot parse — and reduced to what locking needs: the kernel dependencies.
//
// Checked: JSON syntax; `name` (string, ^[a-z][-a-z0-9]*[a-z0-9]$), `id`, `license`
// (strings), `version` (unsigned), `python-depends` ([string]), `backend` ({type: cann |
// cpu | cuda | metal | neuron | rocm | tpu | xpu, archs?: [string]}), `upstream`/`source`
// (git URLs: https, http, git, ssh, git+ssh, git+https, git+http or scp-like host:path),
// `kernel-depends` ([{repo-id, version | revision}], unknown fields denied),
// `kernels-minver` ("X.Y.Z"), `digest` ({algorithm: sha256 | sha512, files: {str: str}}),
// `provenance` (kernel-builder {version, commit|sha + dirty}, kernel? {commit|sha, dirty});
// duplicate known fields. Unknown top-level fields are ignored, as upstream does.
// Not reproduced: serde's acceptance of a whole struct written as a JSON array.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "repo/dependency.hpp"
#include "core/text_position.hpp"

namespace kcpp::repo {

struct VariantMetadata {
  std::string name;
  std::string id;
  std::uint64_t version = 0;
  std::vector<Dependency> kernel_depends;  // in file order
  // Provenance says the kernel-builder or the kernel sources had uncommitted changes
  // (upstream's Provenance::is_dirty).
  bool dirty = false;
};

// Throws kcpp::Error(parse) "DISPLAY_PATH:LINE:COL: what" (serde's wording where it has one).
VariantMetadata parse_metadata(std::string_view text, const std::string& display_path);

// Whether S is a git URL upstream accepts; the reason in *why when not.
bool is_valid_git_url(std::string_view s, std::string* why = nullptr);

}  // namespace kcpp::repo
