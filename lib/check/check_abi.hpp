#pragma once
// `kernel-builder check-abi [KERNEL_DIR]`: upstream's command (upstream: kernel-builder/src/check_abi.rs and kernel-abi-check)
// with upstream's output on stderr, line for line, for users and CI scripts that know it:
// every *.so / *.pyd under each discovered variant, "🐍 Checking …", the "⛔ …" violation
// blocks in upstream's order, "✅ No compatibility issues found", and a final
// "ABI compatibility issues found" error when any file failed.
//
// Deliberate differences (man/kernels-check.1): symbols come from .dynsym with GNU version
// needs (upstream reads .symtab, so it passes stripped libraries unchecked); a file upstream
// fails silently (unparseable, unsupported format, architecture unknown to the policy,
// unreadable version tag) gets one "⛔ Cannot check …" line saying why; an unknown
// --manylinux is a usage error up front (upstream fails each file).
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abi/analysis.hpp"

namespace kcpp::check {

struct CheckAbiOptions {
  std::filesystem::path kernel_dir;
  std::string manylinux = "manylinux_2_28";
  abi::Version macos{{15, 0}};
  abi::Version python_abi{{3, 9}};
  std::optional<abi::Version> torch_stable_abi;
};

// upstream discover_variants: the first of KERNEL_DIR/result, KERNEL_DIR/build, KERNEL_DIR
// that has sub-directories containing a metadata.json file; those directories, sorted.
// Throws kcpp::Error "No build variants found in `…/result`, `…/build`, or `…`".
std::pair<std::filesystem::path, std::vector<std::filesystem::path>> discover_variants(
    const std::filesystem::path& kernel_dir);

// upstream's text for one analysed library at DISPLAY_PATH; returns whether it failed.
bool render_upstream_library(const abi::LibraryAnalysis& a, const std::string& display_path,
                             const CheckAbiOptions& options, std::string& out);

// Runs the whole command, writing upstream's stderr text to ERR as it goes. Returns true
// when every library passed. Throws kcpp::Error for a bad KERNEL_DIR or --manylinux.
bool run_check_abi(const CheckAbiOptions& options, const std::function<void(std::string_view)>& err);

}  // namespace kcpp::check
