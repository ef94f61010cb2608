#pragma once
// A kernel's build.toml (upstream: kernels-data/src/config/v5.rs), read the way kernels-data reads it:
// edition 5 is the schema; a file without `general.edition` that matches the v4 schema is
// upgraded in memory (with upstream's warning on stderr); a v3 file or any other edition is
// an error with upstream's message. Every table denies unknown fields, and every error is
// kcpp::Error(parse) "FILE:LINE:COL: what" (serde's wording where upstream has one) with
// a hint.
//
// Kept in document order (upstream keeps `[kernel.*]` in a HashMap, i.e. arbitrary order),
// so generated build files are deterministic.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/text_position.hpp"

namespace kcpp::builder {


// Backends of `general.backends` and of `[kernel.*]` sections (kernels-data Backend).
enum class Backend { cann, cpu, cuda, metal, neuron, rocm, tpu, xpu };
std::string_view backend_name(Backend b);                      // "cuda"
std::optional<Backend> backend_from_name(std::string_view s);  // exact, lower-case

// A dotted version as kernels-data parses it: numbers only, trailing zeros dropped
// ("12.0" → {12}), printed joined by dots ("12").
struct DottedVersion {
  std::vector<std::uint64_t> parts;
  std::string str() const;
  // Compares as upstream's Version (lexicographic on the normalised parts).
  auto operator<=>(const DottedVersion&) const = default;
};
// Throws nothing; nullopt with upstream's reason in *why for "", "1.x", "-1".
std::optional<DottedVersion> parse_dotted_version(std::string_view s, std::string* why = nullptr);

struct KernelDependency {
  std::string repo_id;
  std::optional<std::uint64_t> version;   // exactly one of version / revision
  std::optional<std::string> revision;
};

// A string with where it was written (for errors raised after parsing, e.g. unknown
// python dependencies when writing metadata.json).
struct LocatedString {
  std::string value;
  TextPosition where;
};

struct BackendDepends {
  std::optional<std::vector<LocatedString>> python_depends;
  std::optional<std::vector<KernelDependency>> kernel_depends;
};

struct CudaGeneral : BackendDepends {
  std::optional<DottedVersion> minver, maxver;
};

struct General {
  std::string name;            // KernelName: ^[a-z][-a-z0-9]*[a-z0-9]$
  std::uint64_t version = 0;   // the kernel's major version (branch v<version>)
  std::string license;
  std::optional<std::string> upstream, source;  // git URLs, as written
  std::vector<Backend> backends;
  std::optional<std::string> hub_repo_id;  // [general.hub] repo-id
  std::optional<std::string> hub_branch;   // [general.hub] branch
  std::optional<std::vector<LocatedString>> python_depends;
  std::optional<std::vector<KernelDependency>> kernel_depends;
  std::optional<CudaGeneral> cuda;
  std::optional<BackendDepends> neuron, tpu, xpu;  // tpu: python-depends only

  std::string python_name() const;  // name with '-' → '_'
};

enum class FrameworkKind { torch, torch_noarch, tvm_ffi };

struct Framework {
  FrameworkKind kind = FrameworkKind::torch;
  // [torch] and [tvm-ffi]
  std::vector<std::string> src;
  std::optional<std::vector<std::string>> include, pyext, cxx_flags;
  // [torch] only
  std::optional<DottedVersion> minver, maxver;
  // `stable-abi`: one version for every backend, or a version per backend (others are
  // built without the stable ABI).
  std::optional<DottedVersion> stable_abi_all;
  std::map<Backend, DottedVersion> stable_abi_per_backend;
  // [torch-noarch] only (snake_case keys upstream)
  std::optional<std::vector<std::string>> cuda_capabilities, rocm_archs;

  std::string_view table_name() const;  // "torch", "torch-noarch", "tvm-ffi"
  // The stable ABI version for BACKEND, if it is built against the stable ABI.
  std::optional<DottedVersion> stable_abi_for(Backend backend) const;
  // pyext entries other than py/pyi: data files copied into builds.
  std::vector<std::string> data_extensions() const;
};

struct Kernel {
  std::string name;  // the <name> of [kernel.<name>]
  Backend backend = Backend::cpu;
  TextPosition where;                // the section
  std::vector<std::string> depends;  // torch, cutlass_3_6, … (validated names)
  std::vector<std::string> src;
  std::optional<std::vector<std::string>> include, cxx_flags;
  // cuda
  std::optional<std::vector<std::string>> cuda_capabilities, cuda_flags;
  std::optional<DottedVersion> cuda_minver;
  // rocm
  std::optional<std::vector<std::string>> rocm_archs, hip_flags;
  // xpu
  std::optional<std::vector<std::string>> sycl_flags;

  bool depends_on(std::string_view dep) const;
};

struct BuildConfig {
  std::filesystem::path path;  // the build.toml that was read
  int edition = 5;             // as written: 5, or 4 when upgraded in memory
  General general;
  Framework framework;
  std::vector<Kernel> kernels;  // document order

  std::vector<const Kernel*> kernels_for(Backend backend) const;
};

// Reads PATH: a kernel directory (its build.toml) or a build.toml file. Throws
// kcpp::Error: io ("Cannot open … for reading") or parse (FILE:LINE:COL: what).
// A v4 file prints upstream's upgrade warning on stderr.
BuildConfig read_build_toml(const std::filesystem::path& path);

// Parses TEXT (DISPLAY_PATH names it in errors). WARNINGS (if given) receives the v4
// upgrade warning instead of stderr.
BuildConfig parse_build_toml(std::string_view text, const std::string& display_path,
                             std::vector<std::string>* warnings = nullptr);

// The metadata.json `python-depends` for BACKEND: general + backend-specific names,
// checked against upstream's python_dependencies.json. Throws kcpp::Error(parse) with
// upstream's "Unknown dependency: `\"x\"`" text, located in build.toml.
std::vector<std::string> python_depends_for(const BuildConfig& config, Backend backend);
// The metadata.json `kernel-depends` for BACKEND: general + backend-specific entries.
std::vector<KernelDependency> kernel_depends_for(const BuildConfig& config, Backend backend);

}  // namespace kcpp::builder
