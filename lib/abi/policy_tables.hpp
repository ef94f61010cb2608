#pragma once
// The data behind the ABI rules, generated from upstream's files by
// lib/abi/gen/gen_abi_tables.py (tables_*.cpp) and parsed once, on first use:
//   - manylinux policies (auditwheel's policy file as kernel-abi-check ships it): per
//     policy and architecture the allowed symbol versions of GLIBC, GLIBCXX, CXXABI, GCC,
//     LIBATOMIC, ZLIB; the allowed libraries (lib_whitelist); blacklisted symbols;
//   - CPython's stable ABI (Misc/stable_abi.toml): function and data names with the
//     version that added them;
//   - torch's C shim functions with the torch version that introduced them.
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "abi/version.hpp"

namespace kcpp::abi {

namespace tables {
extern const char* const kManylinuxPolicyText;
extern const char* const kPythonStableAbiText;
extern const char* const kTorchShimVersionsText;
}  // namespace tables

// The versions a policy allows for one dependency (e.g. GLIBC on x86_64). Upstream reads
// each listed value as a Version when it parses and as a raw string otherwise ("TM_1",
// "FLOAT128").
struct AllowedVersions {
  std::vector<std::string> listed;  // as written, in policy order
  std::set<Version> numeric;
  std::set<std::string> raw;
  // Highest numeric version (what "GLIBC ≤ 2.28" means in messages); empty when none.
  Version highest() const;
};

struct ManylinuxPolicy {
  std::string name;  // manylinux_2_28
  int priority = 0;
  std::vector<std::string> aliases;  // manylinux2014
  // arch → dependency (GLIBC, GLIBCXX, CXXABI, GCC, LIBATOMIC, ZLIB) → allowed versions.
  std::map<std::string, std::map<std::string, AllowedVersions>> symbol_versions;
  std::vector<std::string> lib_whitelist;
  std::map<std::string, std::set<std::string>> blacklist;  // library → symbols
};

// Every policy, in upstream's file order (linux, manylinux_2_5, …).
const std::vector<ManylinuxPolicy>& manylinux_policies();
// By name or alias ("manylinux2014" → manylinux_2_17); nullptr when unknown.
const ManylinuxPolicy* find_manylinux_policy(std::string_view name);

struct StableAbiItem {
  Version added;
  bool data = false;  // a data item rather than a function
};
// CPython stable ABI functions and data, by name.
const std::unordered_map<std::string, StableAbiItem>& python_stable_abi();

// torch C shim function → torch version that introduced it (unlisted: before 2.10).
const std::unordered_map<std::string, Version>& torch_shim_versions();

}  // namespace kcpp::abi
