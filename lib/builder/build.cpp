#include "builder/build.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "builder/build_toml.hpp"
#include "builder/kernel_id.hpp"
#include "builder/variant_build.hpp"
#include "builder/variant_plan.hpp"
#include "core/error.hpp"

namespace kcpp::builder {

namespace stdfs = std::filesystem;

namespace {

std::string names_of(const std::vector<const VariantCandidate*>& cs) {
  std::string out;
  for (const auto* c : cs) out += (out.empty() ? "" : ", ") + c->name;
  return out;
}

// "cannot build here: X because Y", one per candidate that cannot be built.
void add_cannot_build(Error& e, const std::vector<VariantCandidate>& candidates) {
  for (const auto& c : candidates)
    if (!c.buildable) e.cause(fmt::format("cannot build here: {} because {}", c.describe(), c.reason));
}

}  // namespace

BuildResult build_kernel(const BuildOptions& options, const variant::System& system) {
  return build_kernel(options, system, probe_toolchain());
}

BuildResult build_kernel(const BuildOptions& options, const variant::System& system, const Toolchain& toolchain) {
  std::error_code ec;
  if (!stdfs::is_directory(options.kernel_dir, ec))
    throw usage_error(fmt::format("`{}` is not a directory", options.kernel_dir.string()))
        .hint("pass the kernel directory (the one with build.toml)");
  const stdfs::path kernel_dir = stdfs::absolute(options.kernel_dir).lexically_normal();
  BuildConfig config = read_build_toml(kernel_dir);

  std::vector<VariantCandidate> candidates = plan_variants(config, system, toolchain);
  std::vector<const VariantCandidate*> buildable;
  for (const auto& c : candidates)
    if (c.buildable) buildable.push_back(&c);

  std::vector<const VariantCandidate*> selected;
  if (options.variant) {
    auto it = std::find_if(buildable.begin(), buildable.end(),
                           [&](const VariantCandidate* c) { return c->name == *options.variant; });
    if (it == buildable.end()) {
      Error e = usage_error(fmt::format("Unknown variant `{}`.\nValid variants are: {}", *options.variant,
                                        buildable.empty() ? "(none on this machine)" : names_of(buildable)));
      add_cannot_build(e, candidates);
      e.hint("kernels-cpp builds the variants of this machine's torch and CUDA toolkit only; run "
             "`kernel-builder build` without --variant to build all of them");
      throw e;
    }
    selected.push_back(*it);
  } else {
    if (buildable.empty()) {
      Error e(ErrorKind::failure, fmt::format("this machine cannot build any variant of {}", config.general.name));
      add_cannot_build(e, candidates);
      e.hint("install a torch that matches build.toml (KERNELS_TORCH_DIR, KERNELS_PYTHON or a virtual environment "
             "select it) and, for cuda, a CUDA toolkit (CUDA_HOME)");
      throw e;
    }
    for (const auto& c : candidates)
      if (!c.buildable) spdlog::warn("cannot build here: {} because {}", c.describe(), c.reason);
    selected = buildable;
  }

  // Checked before compiling anything: metadata.json needs known python dependencies.
  for (const auto* c : selected) python_depends_for(config, c->backend);

  // One identity for every variant of this build.
  std::optional<GitState> git = git_state(kernel_dir);
  const std::string unique = unique_id(git);
  if (!git) spdlog::info("{} is not in a git repository: using the random build id {}", kernel_dir.string(), unique);

  BuildResult result;
  result.build_dir = kernel_dir / "build";
  for (const auto* c : selected) {
    build_variant(VariantBuild{config, kernel_dir, *c, system, toolchain, unique, git, options.jobs, options.verbose});
    result.variants.push_back(c->name);
  }
  return result;
}

stdfs::path kernel_dir_argument(const std::string& arg) {
  if (arg.empty()) return stdfs::current_path();
  std::error_code ec;
  if (!stdfs::is_directory(arg, ec))
    throw usage_error(fmt::format("`{}` is not a directory", arg)).hint("pass the kernel directory (the one with build.toml)");
  return arg;
}

}  // namespace kcpp::builder
