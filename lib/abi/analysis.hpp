#pragma once
// Every ABI rule applied to one shared object, with the results copied out of the file's
// bytes (the analysis outlives the buffer). Both front ends use it: `kernels check`
// (lib/check turns it into findings) and `kernel-builder check-abi` (lib/check/check_abi
// prints it the way upstream does). The rules run in upstream's order and under upstream's
// conditions (manylinux for ELF, macOS for Mach-O, Python ABI for both, torch stable ABI
// only when a version is given).
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "abi/fatbin.hpp"
#include "abi/object_file.hpp"
#include "abi/policy_tables.hpp"
#include "abi/rules.hpp"
#include "abi/version.hpp"

namespace kcpp::abi {

struct AbiOptions {
  const ManylinuxPolicy* manylinux = nullptr;  // required for ELF files
  Version python_abi{{3, 9}};
  Version macos{{15, 0}};
  std::optional<Version> torch_stable_abi;
};

struct LibraryAnalysis {
  ObjectFormat format = ObjectFormat::unknown;
  std::string description;          // "ELF 64-bit LSB, x86_64"
  std::optional<std::string> arch;  // x86_64, aarch64, …
  // The file could not be read as an object (truncated, corrupt): no rule ran.
  std::optional<std::string> parse_error;
  // The manylinux rule could not run (architecture unknown to the policy); upstream fails
  // the file with this message.
  std::optional<std::string> manylinux_error;
  std::vector<std::string> needed;
  std::optional<std::string> soname;
  bool stripped = false;                            // no .symtab: upstream's reader sees no symbols at all
  std::map<std::string, RequiredVersion> required;  // GLIBC → highest needed
  ManylinuxResult manylinux;
  std::set<BlacklistViolation> blacklist;
  std::vector<NeededViolation> needed_violations;
  std::set<PythonAbiViolation> python;
  bool torch_checked = false;
  std::set<TorchAbiViolation> torch;
  std::optional<std::string> macos_minos;  // LC_BUILD_VERSION minos ("11" = 11.0)
  std::optional<MacosViolation> macos;
  FatbinListing gpu;
  std::optional<std::string> gpu_error;  // malformed fat binary

  // What upstream's check-abi would call this file: failed (any violation or error).
  bool upstream_failed() const;
};

// Never throws for bad input: a malformed file comes back with parse_error set.
LibraryAnalysis analyze_library(std::string_view bytes, const AbiOptions& options);

}  // namespace kcpp::abi
