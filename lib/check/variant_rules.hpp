#pragma once
// The per-variant rules that need no binary analysis: layout (directory name, package
// entry points, compatibility directory, bytecode), metadata.json (upstream's schema via
// lib/lock/metadata.hpp, plus: `id` a Python module name, `version` = the branch's major
// version, backend type = the variant's backend) and the digest.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "check/digest.hpp"
#include "check/finding.hpp"
#include "check/kernel_tree.hpp"
#include "variant/variant.hpp"

namespace kcpp::check {

struct MetadataFacts {
  std::string name;         // kernel name ("my-kernel")
  std::string python_name;  // "my_kernel"
  std::string id;
  std::uint64_t version = 0;
  std::string backend_type;                       // cuda, cpu, …
  std::optional<std::vector<std::string>> archs;  // backend.archs
  std::optional<Digest> digest;
};

// Python's str.isidentifier() restricted to ASCII, and not a keyword: what a module name
// needs to be importable under that name (upstream registers the kernel as sys.modules[id]).
bool is_python_module_name(std::string_view s);

// Name, package entry points (__init__.py or the legacy <python_name>/__init__.py),
// compatibility directory, metadata.json presence, bytecode. PYTHON_NAME is empty when the
// metadata could not be read (the compatibility directory is then not checked).
void check_layout(const VariantTree& v, const std::optional<variant::Variant>& parsed, const std::string& python_name,
                  std::vector<Finding>& out);

// Validates metadata.json TEXT of VARIANT; BRANCH_VERSION is N when checking Hub branch vN.
// Returns the facts when upstream's reader accepts the file.
std::optional<MetadataFacts> check_metadata(std::string_view text, const VariantTree& v,
                                            const std::optional<variant::Variant>& parsed,
                                            std::optional<long> branch_version, std::vector<Finding>& out);

// Recomputes the digest with the metadata's algorithm over V's files and reports each
// upstream violation. Files must be readable (local) or have a known sha256 (Hub LFS);
// returns the number of files compared.
std::size_t check_digest(const VariantTree& v, const Digest& expected, std::vector<Finding>& out);

}  // namespace kcpp::check
