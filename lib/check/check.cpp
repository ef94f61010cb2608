#include "check/check.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <set>

#include "check/abi_findings.hpp"
#include "check/check_internal.hpp"
#include "check/mapped_file.hpp"
#include "check/variant_rules.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/strings.hpp"

namespace kcpp::check {

namespace {

std::size_t count(const std::vector<Finding>& findings, Severity s) {
  return static_cast<std::size_t>(
      std::count_if(findings.begin(), findings.end(), [&](const Finding& f) { return f.severity == s; }));
}

Finding kernel_finding(Severity s, std::string_view rule, std::string message, std::string hint) {
  Finding f;
  f.severity = s;
  f.rule = std::string(rule);
  f.message = std::move(message);
  f.hint = std::move(hint);
  return f;
}

}  // namespace

std::size_t VariantReport::errors() const { return count(findings, Severity::error); }
std::size_t VariantReport::warnings() const { return count(findings, Severity::warning); }

std::size_t CheckReport::errors() const {
  std::size_t n = count(findings, Severity::error);
  for (const auto& v : variants) n += v.errors();
  return n;
}
std::size_t CheckReport::warnings() const {
  std::size_t n = count(findings, Severity::warning);
  for (const auto& v : variants) n += v.warnings();
  return n;
}

const abi::ManylinuxPolicy& resolve_policy(const std::string& name) {
  const auto* p = abi::find_manylinux_policy(name);
  if (!p || p->symbol_versions.empty()) {
    std::vector<std::string> names;
    for (const auto& q : abi::manylinux_policies())
      if (!q.symbol_versions.empty()) names.push_back(q.name);
    throw usage_error("Unknown manylinux version: " + name).hint("known policies: " + strings::join(names));
  }
  return *p;
}

void select_variants(KernelTree& tree, const std::vector<std::string>& wanted, const std::string& where) {
  if (wanted.empty()) return;
  std::vector<std::string> names;
  for (const auto& v : tree.variants) names.push_back(v.name);
  for (const auto& w : wanted)
    if (std::find(names.begin(), names.end(), w) == names.end())
      throw usage_error(fmt::format("--variant {}: {} has no such variant", w, where))
          .hint(names.empty() ? "it has no variants at all" : "variants: " + strings::join(names));
  std::erase_if(tree.variants,
                [&](const VariantTree& v) { return std::find(wanted.begin(), wanted.end(), v.name) == wanted.end(); });
}

CheckRun::CheckRun(const CheckOptions& options) : options_(options), policy_(&resolve_policy(options.manylinux)) {
  report.manylinux = policy_->name;
  report.python_abi = options.python_abi;
  report.macos = options.macos;
}

const abi::CudaProbe& CheckRun::gpu() {
  if (!report.gpu_probed) {
    report.gpu = options_.probe_gpu ? abi::probe_cuda_devices() : abi::CudaProbe{false, 0, {}, "not probed (--no-gpu)"};
    report.gpu_probed = true;
  }
  return report.gpu;
}

void CheckRun::check_tree(const KernelTree& tree, std::optional<long> branch_version) {
  report.branch_version = branch_version;
  if (!tree.has_build_dir) {
    report.findings.push_back(
        kernel_finding(Severity::error, rule::layout, "build/ does not exist",
                       "a kernel keeps its builds in build/<variant>/; build with kernel-builder"));
    return;
  }
  if (tree.variants.empty())
    report.findings.push_back(kernel_finding(Severity::error, rule::layout, "build/ has no variant directories",
                                             "build the kernel with kernel-builder before checking it"));
  std::map<std::uint64_t, std::vector<std::string>> by_version;
  std::set<std::string> names;
  for (const auto& v : tree.variants) {
    std::optional<MetadataFacts> facts;
    report.variants.push_back(check_variant(v, branch_version, facts));
    if (facts) {
      by_version[facts->version].push_back(v.name);
      names.insert(facts->name);
    }
  }
  if (by_version.size() > 1) {
    std::vector<std::string> parts;
    for (const auto& [ver, vs] : by_version) parts.push_back(fmt::format("{} ({})", ver, strings::join(vs)));
    report.findings.push_back(kernel_finding(Severity::error, rule::metadata,
                                             "variants disagree on the kernel version: " + strings::join(parts),
                                             "every variant of one upload must have the same version (kernel-builder "
                                             "upload refuses: \"Found multiple versions in build variants\")"));
  }
  if (names.size() > 1)
    report.findings.push_back(kernel_finding(
        Severity::error, rule::metadata,
        "variants disagree on the kernel name: " + strings::join(std::vector<std::string>(names.begin(), names.end())),
        "all variants must be builds of the same kernel"));
}

VariantReport CheckRun::check_variant(const VariantTree& v, std::optional<long> branch_version,
                                      std::optional<MetadataFacts>& facts) {
  VariantReport r;
  r.name = v.name;
  const auto parsed = variant::try_parse(v.name);
  if (const TreeFile* meta = v.file("metadata.json"); meta && meta->size > kMaxMetadataBytes) {
    Finding f;
    f.rule = std::string(rule::metadata);
    f.variant = v.name;
    f.file = "metadata.json";
    f.message = fmt::format("metadata.json is {} bytes: not read (metadata files are a few KiB)", meta->size);
    f.hint = "rebuild the variant with kernel-builder";
    r.findings.push_back(std::move(f));
  } else if (meta && !meta->local.empty()) {
    facts = check_metadata(fs::read_file(meta->local), v, parsed, branch_version, r.findings);
  }
  check_layout(v, parsed, facts ? facts->python_name : std::string(), r.findings);

  if (facts && facts->digest) {
    r.digest_algorithm = facts->digest->algorithm == DigestAlgorithm::sha256 ? "sha256" : "sha512";
    r.digest_files = check_digest(v, *facts->digest, r.findings);
  } else if (facts) {
    Finding f;
    f.severity = Severity::warning;
    f.rule = std::string(rule::digest);
    f.variant = v.name;
    f.file = "metadata.json";
    f.message = "metadata.json has no digest: file integrity cannot be checked";
    f.hint = "run `kernel-builder hash` before uploading";
    r.findings.push_back(std::move(f));
  }
  r.signature_bundle = v.file("metadata.json.sigstore") != nullptr;

  abi::AbiOptions abi_options;
  abi_options.manylinux = policy_;
  abi_options.python_abi = options_.python_abi;
  abi_options.macos = options_.macos;
  if (parsed && parsed->is_arch() && parsed->arch().framework == variant::FrameworkKind::torch_stable_abi)
    abi_options.torch_stable_abi = abi::Version({static_cast<std::uint64_t>(parsed->arch().framework_version.major),
                                                 static_cast<std::uint64_t>(parsed->arch().framework_version.minor)});
  AbiContext ctx{v.name, parsed, policy_, &abi_options};
  for (const auto& f : v.files) {
    if (!is_shared_object(f.rel) || f.local.empty()) continue;
    LibraryReport lib;
    lib.file = f.rel;
    lib.size = f.size;
    const MappedFile mapped(f.local);
    lib.analysis = abi::analyze_library(mapped.bytes(), abi_options);
    library_findings(ctx, f.rel, lib.analysis, r.findings);
    r.libraries.push_back(std::move(lib));
  }
  const bool has_device_code = std::any_of(r.libraries.begin(), r.libraries.end(),
                                           [](const LibraryReport& l) { return !l.analysis.gpu.entries.empty(); });
  if (is_cuda_variant(parsed) && has_device_code)
    gpu_findings(ctx, facts ? &*facts : nullptr, gpu(), r.libraries, r.findings);
  return r;
}

CheckReport check_local(const std::filesystem::path& dir, const CheckOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw usage_error(fmt::format("`{}` is not a directory", dir.string()))
        .hint("pass a kernel directory (it holds build/<variant>/) or a Hub repo id such as org/name");
  if (options.revision || options.version)
    throw usage_error("--revision and --version cannot be used with a local path")
        .hint("a local kernel directory has no revisions; drop the flag");
  CheckRun run(options);
  run.report.path = dir.string();
  KernelTree tree = scan_local(dir);
  if (!tree.has_build_dir && std::filesystem::is_regular_file(dir / "metadata.json", ec))
    throw usage_error(fmt::format("`{}` is a build variant, not a kernel directory", dir.string()))
        .hint(fmt::format("pass the directory that holds build/ and add --variant {}",
                          (dir / "").parent_path().filename().string()));
  run.report.variants_available = tree.variants.size();
  select_variants(tree, options.variants, dir.string());
  run.check_tree(tree, std::nullopt);
  return std::move(run.report);
}

}  // namespace kcpp::check
