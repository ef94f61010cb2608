#include "bench/options.hpp"

#include <fmt/core.h>

#include "bench/ops.hpp"
#include "core/error.hpp"
#include "hub/types.hpp"
#include "repo/version_branches.hpp"

namespace kcpp::bench {

namespace {

long version_number(const std::string& text, const char* what) {
  return repo::version_argument(text, what, /*allow_negative=*/false);
}

bool looks_like_repo_id(const std::string& s) {
  return !s.empty() && s[0] != '.' && s[0] != '/' && s[0] != '~' && hub::repo_id_problem(s).empty();
}

}  // namespace

KernelTarget parse_hub_target(const std::string& target, const std::optional<std::string>& version,
                              const std::optional<std::string>& revision) {
  KernelTarget t;
  t.kind = KernelTarget::Kind::hub;
  std::string repo = target;
  std::optional<std::string> at;
  if (auto p = target.find('@'); p != std::string::npos) {
    repo = target.substr(0, p);
    at = target.substr(p + 1);
  }
  if (!looks_like_repo_id(repo))
    throw usage_error(fmt::format("`{}` is neither a directory nor a Hub repo id", target))
        .hint("pass a local variant or kernel directory, or a repo id such as kernels-community/activation@v1");
  t.repo_id = repo;
  if (version && revision)
    throw usage_error("--version and --revision cannot be used together")
        .hint("--version N means branch vN; --revision names a branch, tag or commit");
  if (at && (version || revision))
    throw usage_error(fmt::format("`{}` names a revision; do not pass --version or --revision as well", target))
        .hint("use either REPO@vN / REPO@REVISION or the flag");
  if (at) {
    if (at->empty())
      throw usage_error(fmt::format("`{}`: empty revision after '@'", target)).hint("e.g. " + repo + "@v1");
    if ((*at)[0] == 'v' && at->size() > 1 && at->find_first_not_of("0123456789", 1) == std::string::npos) {
      t.version = version_number(at->substr(1), "REPO@vN");
    } else if (at->find_first_not_of("0123456789") == std::string::npos) {
      throw usage_error("version must be prefixed with 'v'").hint(fmt::format("write {}@v{}", repo, *at));
    } else {
      t.revision = *at;
    }
  } else if (version) {
    t.version = version_number(*version, "--version");
  } else if (revision) {
    if (revision->empty()) throw usage_error("--revision: empty value").hint("name a branch, tag or commit");
    t.revision = *revision;
  } else {
    throw usage_error("must specify either --version N, --revision R or REPO@vN")
        .hint(fmt::format("e.g. kernels benchmark {}@v1 (upstream's `kernels benchmark` requires it too)", repo));
  }
  return t;
}

BenchOptions validate(const BenchFlags& f, bool (*is_dir)(const std::string&)) {
  BenchOptions o;
  if (f.warmup < 0) throw usage_error(fmt::format("--warmup must be >= 0, got {}", f.warmup)).hint("e.g. --warmup 10");
  if (f.iterations < 1 || f.iterations > 100000)
    throw usage_error(fmt::format("--iterations must be between 1 and 100000, got {}", f.iterations))
        .hint("e.g. --iterations 100");
  if (f.warmup > 100000) throw usage_error("--warmup must be at most 100000").hint("e.g. --warmup 10");
  o.warmup = f.warmup;
  o.iterations = f.iterations;
  o.ops = parse_ops(f.ops);
  o.dtypes = parse_dtypes(f.dtypes);
  o.workloads = parse_workloads(f.workloads);
  o.seed = f.seed;
  o.json = f.json;
  o.output = f.output;
  o.dry_run = f.dry_run;
  o.reference_only = f.reference_only;
  o.torch_eager = f.torch_eager;
  if (o.output && o.output->empty()) throw usage_error("--output: empty file name").hint("e.g. --output results.json");

  if (f.reference_only) {
    if (!f.target.empty() || f.version || f.revision)
      throw usage_error("--reference-only takes no kernel (REPO or PATH)")
          .hint("drop the kernel to time the reference kernels alone, or drop --reference-only");
    if (f.dry_run) throw usage_error("--dry-run needs a kernel").hint("drop --dry-run or --reference-only");
    return o;
  }
  if (f.target.empty())
    throw usage_error("missing the kernel: REPO (with --version N, --revision R or REPO@vN) or PATH")
        .hint("e.g. kernels benchmark kernels-community/activation@v1, or --reference-only");
  if (is_dir(f.target)) {
    if (f.version || f.revision)
      throw usage_error("--revision and --version cannot be used with a local path")
          .hint("a local kernel directory has no revisions; drop the flag");
    o.target.kind = KernelTarget::Kind::local;
    o.target.path = f.target;
    if (looks_like_repo_id(f.target))
      o.target.warning =
          fmt::format("'{}' exists locally but looks like a repo_id. Use './{}' to be explicit.", f.target, f.target);
    return o;
  }
  o.target = parse_hub_target(f.target, f.version, f.revision);
  return o;
}

}  // namespace kcpp::bench
