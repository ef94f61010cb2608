#pragma once
// The ABI rules of kernel-abi-check (upstream: kernel-builder/src/check_abi.rs and kernel-abi-check), each a pure function of an
// ObjectFile, with violation types that sort like upstream's BTreeSets (so printed lists
// come out in upstream's order), plus the rules kernels-cpp adds (needed libraries,
// manylinux blacklist, highest required symbol versions).
#include <compare>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "abi/object_file.hpp"
#include "abi/policy_tables.hpp"
#include "abi/version.hpp"

namespace kcpp::abi {

// ---- manylinux symbol versions --------------------------------------------------------

// upstream ManylinuxViolation::Symbol: printed "{name}_{dep}: {version}".
struct ManylinuxViolation {
  std::string name, dep, version;  // version normalised ("2.34")
  auto operator<=>(const ManylinuxViolation&) const = default;
};

// A version tag upstream cannot read: "GLIBC_PRIVATE", "CXXABI_TM_1" (it splits at '_' and
// parses the second piece as a Version; failure aborts its check of the whole file).
struct UnparsedVersion {
  std::string name, tag;
  std::string upstream_error;  // "Version must consist of numbers: PRIVATE"
  bool dep_in_policy = false;  // the dependency (GLIBC, …) is one the policy constrains
  bool allowed_raw = false;    // the policy lists the rest verbatim ("TM_1", "FLOAT128")
};

struct ManylinuxResult {
  std::set<ManylinuxViolation> violations;
  std::vector<UnparsedVersion> unparsed;
};

// The policy's allowed versions for ARCH; throws kcpp::Error(failure) with upstream's
// message "Cannot find arch `{arch}` for: {manylinux}`" when the policy has none.
const std::map<std::string, AllowedVersions>& policy_for_arch(const ManylinuxPolicy& policy, std::string_view arch);

// upstream check_manylinux over the imported symbols' version tags.
ManylinuxResult check_manylinux(const std::map<std::string, AllowedVersions>& allowed, const ObjectFile& obj);

// The highest version the file needs per dependency (from its version needs: what the
// loader checks), with one imported symbol that needs it ("" when only the need names it).
struct RequiredVersion {
  Version version;
  std::string tag;     // "GLIBC_2.34"
  std::string symbol;  // "pthread_create"
};
std::map<std::string, RequiredVersion> highest_required_versions(const ObjectFile& obj);

// auditwheel's blacklist: symbols of a whitelisted library a wheel must not import.
struct BlacklistViolation {
  std::string library, symbol;
  auto operator<=>(const BlacklistViolation&) const = default;
};
std::set<BlacklistViolation> check_blacklist(const ManylinuxPolicy& policy, const ObjectFile& obj);

// ---- needed libraries (kernels-cpp) ------------------------------------------------------

// Why LIBRARY may be loaded by a kernel: "manylinux" (the policy's lib_whitelist), "loader"
// (the ELF interpreter), "torch",
// "cuda", "rocm", "xpu", "tvm-ffi" (runtimes a torch/tvm-ffi extension links against and
// which the framework provides); nullopt when it may not.
std::optional<std::string> allowed_library_reason(const ManylinuxPolicy& policy, std::string_view library);

struct NeededViolation {
  std::string library;
  bool is_python = false;  // libpython*: extensions must never link it
};
std::vector<NeededViolation> check_needed(const ManylinuxPolicy& policy, const ObjectFile& obj);

// ---- Python stable ABI (abi3) ------------------------------------------------------------

struct PythonAbiViolation {
  enum class Kind { incompatible, non_abi3 };  // upstream's enum order
  Kind kind = Kind::non_abi3;
  std::string name;
  Version added;  // incompatible only
  auto operator<=>(const PythonAbiViolation&) const = default;
};
std::set<PythonAbiViolation> check_python_abi(const Version& python_abi, const ObjectFile& obj);

// ---- torch stable ABI ----------------------------------------------------------------------

struct TorchAbiViolation {
  enum class Kind { incompatible, non_stable };
  Kind kind = Kind::non_stable;
  std::string name;  // shim name, or the demangled C++ name
  Version added;     // incompatible only
  auto operator<=>(const TorchAbiViolation&) const = default;
};
std::set<TorchAbiViolation> check_torch_stable_abi(const Version& torch_abi, const ObjectFile& obj);

// Itanium C++ demangling of a "_Z…" name (nullopt for anything else or on failure).
std::optional<std::string> demangle(std::string_view mangled);

// ---- macOS --------------------------------------------------------------------------------

struct MacosViolation {
  bool missing = true;  // no LC_BUILD_VERSION
  Version required;     // minos, when present and newer than allowed
};
// Only for 64-bit Mach-O (as upstream); nullopt when compliant or not applicable.
std::optional<MacosViolation> check_macos(const Version& macos, const ObjectFile& obj);

}  // namespace kcpp::abi
