#pragma once
// One thing `kernels check` found: which rule, where (variant, file, symbol or library),
// what, and what to do about it. Errors make a kernel non-compliant (exit 1); warnings and
// notes are reported but do not.
#include <string>
#include <string_view>

namespace kcpp::check {

enum class Severity { error, warning, note };

std::string_view severity_name(Severity s);  // "error", "warning", "note"

// Rule ids (stable: they appear in --json output and in the man page).
namespace rule {
inline constexpr std::string_view layout = "layout";                      // build/ and variant directories
inline constexpr std::string_view metadata = "metadata";                  // metadata.json fields and types
inline constexpr std::string_view digest = "digest";                      // metadata.json digest vs files
inline constexpr std::string_view signature = "signature";                // Sigstore bundle (never verified)
inline constexpr std::string_view object_format = "object-format";        // unreadable / unsupported binaries
inline constexpr std::string_view arch = "arch";                          // binary architecture vs variant CPU
inline constexpr std::string_view manylinux = "manylinux";                // symbol versions, blacklist
inline constexpr std::string_view needed_library = "needed-library";      // DT_NEEDED allow-list
inline constexpr std::string_view python_abi = "python-abi";              // abi3 / minimum Python
inline constexpr std::string_view torch_stable_abi = "torch-stable-abi";  // shim versions, C++ symbols
inline constexpr std::string_view macos = "macos";                        // Mach-O minimum OS version
inline constexpr std::string_view gpu_archs = "gpu-archs";                // fat binary vs backend.archs
inline constexpr std::string_view gpu_device = "gpu-device";              // can this machine's GPU run it
}  // namespace rule

struct Finding {
  Severity severity = Severity::error;
  std::string rule;
  std::string variant;  // "" for kernel-level findings
  std::string file;     // path inside the variant ("" when not about one file)
  std::string symbol;   // offending symbol, if any
  std::string library;  // offending library (DT_NEEDED, version need), if any
  std::string message;
  std::string hint;
};

}  // namespace kcpp::check
