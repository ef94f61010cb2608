#include "bench/kernel_source.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "cache/kernel_download.hpp"
#include "cache/progress.hpp"
#include "core/error.hpp"
#include "lock/lock_file.hpp"
#include "variant/resolve.hpp"
#include "repo/revision.hpp"
#include "variant/listing.hpp"

namespace kcpp::bench {

namespace fs = std::filesystem;

namespace {

bool has_shared_object(const fs::path& dir) {
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->path().filename().string().find(".so") != std::string::npos && it->is_regular_file(ec)) return true;
  return false;
}

// The preferred variant among KERNEL_DIR/build/*, or an error with the decision trace.
fs::path preferred_variant(const fs::path& kernel_dir, const variant::System& system, const variant::Backend& backend) {
  std::vector<std::string> names;
  std::error_code ec;
  for (auto it = fs::directory_iterator(kernel_dir / "build", ec); !ec && it != fs::directory_iterator();
       it.increment(ec))
    if (it->is_directory(ec)) names.push_back(it->path().filename().string());
  auto listing = variant::parse_variant_names(names);
  if (listing.variants.empty())
    throw Error(ErrorKind::failure, fmt::format("No build variants found in: {}", (kernel_dir / "build").string()))
        .hint("build the kernel first (`kernel-builder build`), or pass a variant directory");
  auto trace = variant::resolve(listing.variants, system, backend);
  const int i = variant::preferred_index(trace);
  if (i < 0)
    throw Error(ErrorKind::failure, fmt::format("Cannot find a build variant for this system in {}:\n\n{}",
                                                kernel_dir.string(), variant::trace_str(trace)))
        .hint("pass the variant directory itself to benchmark it anyway (it must still load into this torch)");
  return kernel_dir / "build" / trace[static_cast<std::size_t>(i)].variant.str();
}

std::string read_metadata_id(const fs::path& variant_dir) {
  std::ifstream in(variant_dir / "metadata.json");
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("id") && j["id"].is_string()) return j["id"].get<std::string>();
  return {};
}

std::string stem_before_dot(const fs::path& p) {
  auto name = p.filename().string();
  return name.substr(0, name.find('.'));
}

}  // namespace

void inspect_variant(KernelUnderTest& k) {
  k.ns = read_metadata_id(k.variant_dir);
  std::vector<fs::path> libs;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(k.variant_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it.depth() > 1) {
      it.disable_recursion_pending();
      continue;
    }
    const auto name = it->path().filename().string();
    const auto so = name.find(".so");
    if (so != std::string::npos && (so + 3 == name.size() || name[so + 3] == '.') && it->is_regular_file(ec))
      libs.push_back(it->path());
  }
  std::sort(libs.begin(), libs.end());
  if (libs.empty())
    throw Error(ErrorKind::failure, fmt::format("no shared object (*.so) in {}", k.variant_dir.string()))
        .hint(
            "kernels benchmark loads a variant's compiled torch extension; this variant has none (a "
            "universal/Python-only or non-CUDA variant?)");
  const fs::path* pick = nullptr;
  for (const auto& l : libs)
    if (!k.ns.empty() && stem_before_dot(l) == k.ns) pick = &l;
  if (!pick && libs.size() == 1) pick = &libs[0];
  if (!pick) {
    std::string names;
    for (const auto& l : libs) names += (names.empty() ? "" : ", ") + l.lexically_relative(k.variant_dir).string();
    throw Error(ErrorKind::failure,
                fmt::format("{} shared objects in {} and none is named after metadata.json's id `{}`: {}", libs.size(),
                            k.variant_dir.string(), k.ns, names))
        .hint("the op namespace is metadata.json's `id`, and the library that registers it is <id>*.so");
  }
  k.library = *pick;
  if (k.ns.empty()) k.ns = stem_before_dot(k.library);
  k.schemas = by_name(scan_schemas_in_file(k.library));
  k.summary.variant = k.variant_dir.filename().string();
  k.summary.path = k.variant_dir.string();
  k.summary.ns = k.ns;
  // lexically: in the Hugging Face cache the file is a symlink into blobs/.
  k.summary.library = k.library.lexically_relative(k.variant_dir).string();
}

KernelUnderTest open_local(const fs::path& path, const variant::System& system, const variant::Backend& backend) {
  std::error_code ec;
  KernelUnderTest k;
  k.summary.display = path.string();
  const fs::path abs = fs::absolute(path, ec);
  if (fs::exists(abs / "metadata.json", ec) || has_shared_object(abs))
    k.variant_dir = abs;
  else if (fs::is_directory(abs / "build", ec))
    k.variant_dir = preferred_variant(abs, system, backend);
  else
    throw Error(ErrorKind::failure,
                fmt::format("{} is neither a variant directory nor a kernel directory", path.string()))
        .hint("pass build/<variant> (holding metadata.json and the .so) or the kernel directory holding build/");
  k.variant_dir = fs::weakly_canonical(k.variant_dir, ec);
  inspect_variant(k);
  return k;
}

KernelUnderTest open_hub(const hub::HubClient& client, const fs::path& cache, const KernelTarget& target,
                         const variant::System& system, const variant::Backend& backend) {
  const auto repo = hub::parse_repo_id(target.repo_id);
  KernelUnderTest k;
  // Resolved like `kernels check`; downloaded like a kernels.lock entry pinned to that commit.
  const auto resolved = repo::resolve(client, repo, {target.version, target.revision});
  k.summary.revision = resolved.revision;
  const lock::LockEntry entry{target.version ? lock::Dependency::version(repo.str(), static_cast<std::uint64_t>(*target.version))
                                             : lock::Dependency::revision(repo.str(), *target.revision),
                              resolved.commit};
  k.summary.repo_id = repo.str();
  k.summary.commit = entry.commit;
  k.summary.display = fmt::format("{}@{}", repo.str(), k.summary.revision);

  fmt::print(stderr, "Downloading kernel: {} (revision: {})\n", repo.str(), entry.commit);
  std::fflush(stderr);
  std::error_code ec;
  fs::create_directories(cache, ec);
  auto reporter = cache::make_progress_reporter(::isatty(2) == 1);
  auto r = cache::download_kernel(client, cache, entry, system, backend, cache::DownloadOptions{}, *reporter);
  if (r.status == cache::KernelResult::Status::no_variant)
    throw Error(ErrorKind::failure, r.message).hint("kernels versions " + repo.str() + " shows every variant and why");
  if (r.error) throw *r.error;
  if (r.variants.empty()) throw Error(ErrorKind::failure, fmt::format("{}: nothing was downloaded", k.summary.display));
  k.variant_dir = r.variants.front().path;
  inspect_variant(k);
  return k;
}

}  // namespace kcpp::bench
