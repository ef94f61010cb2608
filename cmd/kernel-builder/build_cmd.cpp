// `kernel-builder build [KERNEL_DIR] [--variant V] [-j N]`: build the variants this machine
// can build (CMake + host compiler / nvcc against the probed torch; no Nix) into
// KERNEL_DIR/build/<variant>/; stdout gets one built variant directory per line.
// `kernel-builder check-config [KERNEL_DIR]`: read build.toml as the build does; silent when
// it is valid (upstream's behaviour).
// `kernel-builder hash [KERNEL_DIR]`: (re)write each variant's metadata.json digest.
// -v (the tool's global flag) prints the cmake/compiler commands and streams their output.
#include <fmt/core.h>

#include <filesystem>
#include <memory>

#include "builder/build.hpp"
#include "builder/build_toml.hpp"
#include "builder/metadata_json.hpp"
#include "commands.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "variant/system.hpp"

namespace kcpp::builder_cli {

namespace {

namespace stdfs = std::filesystem;

struct BuildCmd {
  std::string kernel_dir;
  std::string variant;
  int jobs = 0;
};

}  // namespace

void register_build(CLI::App& app) {
  auto opts = std::make_shared<BuildCmd>();
  auto* build = app.add_subcommand("build", "Build the kernel's variants for this machine's torch (CMake/nvcc, no Nix; -v shows the commands)");
  build->add_option("KERNEL_DIR", opts->kernel_dir, "Kernel directory with build.toml (default: current directory)");
  build->add_option("--variant", opts->variant, "Build only this variant (one this machine can build)");
  build->add_option("-j,--jobs", opts->jobs, "Parallel compile jobs (default: the build tool's)")->check(CLI::NonNegativeNumber);
  build->callback([opts, &app] {
    builder::BuildOptions o;
    o.kernel_dir = builder::kernel_dir_argument(opts->kernel_dir);
    if (!opts->variant.empty()) o.variant = opts->variant;
    o.jobs = opts->jobs;
    o.verbose = app.get_option("--verbose")->count() > 0;
    builder::BuildResult r = builder::build_kernel(o, variant::probe());
    for (const auto& v : r.variants) {
      fmt::print(stderr, "Built {}\n", v);
      fmt::print("{}\n", (r.build_dir / v).string());
    }
  });

  auto check_dir = std::make_shared<std::string>();
  auto* check = app.add_subcommand("check-config", "Check the kernel's build.toml");
  check->add_option("KERNEL_DIR", *check_dir, "Kernel directory with build.toml (default: current directory)");
  check->callback([check_dir] { builder::read_build_toml(builder::kernel_dir_argument(*check_dir)); });

  auto hash_dir = std::make_shared<std::string>();
  auto* hash = app.add_subcommand("hash", "Write the file digest into each build variant's metadata.json");
  hash->add_option("KERNEL_DIR", *hash_dir, "Kernel directory (default: current directory)");
  hash->callback([hash_dir] {
    for (const auto& v : builder::discover_variant_dirs(builder::kernel_dir_argument(*hash_dir))) {
      fmt::print(stderr, "Hashing variant `{}`...\n", log::escape_controls(v.filename().string()));
      builder::hash_variant(v);
    }
  });
}

}  // namespace kcpp::builder_cli
