// `kernel-builder check-abi [KERNEL_DIR] [-m/--manylinux P] [--macos V] [-p/--python-abi V]
// [--torch-stable-abi V]`: upstream's ABI check of every shared object under each build
// variant, with upstream's stderr output (lib/check/check_abi.hpp). Exit 0 when every file
// passes, 1 with "ABI compatibility issues found" otherwise, 2 for usage errors.
// `kernels check` is the same analysis with per-finding hints, layout, metadata and digest.
#include <fmt/core.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "check/check_abi.hpp"
#include "commands.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

namespace kcpp::builder_cli {

namespace {

struct CheckAbiFlags {
  std::optional<std::string> kernel_dir;
  std::string manylinux = "manylinux_2_28";
  std::string macos = "15.0";
  std::string python_abi = "3.9";
  std::optional<std::string> torch_stable_abi;
};

abi::Version version_flag(const std::string& flag, const std::string& text) {
  std::string why;
  auto v = abi::Version::parse(text, &why);
  if (!v)
    throw usage_error(fmt::format("invalid value '{}' for '{} <VERSION>': {}", text, flag, why))
        .hint(flag + " takes a version such as 3.9");
  return *v;
}

}  // namespace

void register_check_abi(CLI::App& app) {
  auto flags = std::make_shared<CheckAbiFlags>();
  auto* sub =
      app.add_subcommand("check-abi", "Check the ABI of a kernel's shared objects (upstream's rules and output)");
  sub->add_option("kernel_dir", flags->kernel_dir, "Directory with kernels (default: the current directory)");
  sub->add_option("-m,--manylinux", flags->manylinux, "Manylinux version (default manylinux_2_28)");
  sub->add_option("--macos", flags->macos, "macOS version (default 15.0)");
  sub->add_option("-p,--python-abi", flags->python_abi, "Python ABI version (default 3.9)");
  sub->add_option("--torch-stable-abi", flags->torch_stable_abi, "Torch stable ABI version");
  sub->callback([flags] {
    check::CheckAbiOptions options;
    options.kernel_dir =
        flags->kernel_dir ? std::filesystem::path(*flags->kernel_dir) : std::filesystem::current_path();
    options.manylinux = flags->manylinux;
    options.macos = version_flag("--macos", flags->macos);
    options.python_abi = version_flag("--python-abi", flags->python_abi);
    if (flags->torch_stable_abi)
      options.torch_stable_abi = version_flag("--torch-stable-abi", *flags->torch_stable_abi);
    const bool ok = check::run_check_abi(options, [](std::string_view text) {
      // Names of files, symbols and libraries come from the binaries: escaped, line by line.
      const std::string safe = log::escape_lines(text);
      std::fwrite(safe.data(), 1, safe.size(), stderr);
      std::fflush(stderr);
    });
    if (!ok)
      throw Error(ErrorKind::failure, "ABI compatibility issues found")
          .hint("`kernels check " + options.kernel_dir.string() + "` explains each issue with a hint");
  });
}

}  // namespace kcpp::builder_cli
