#include <catch2/catch.hpp>

#include "bench/options.hpp"
#include "core/error.hpp"

using namespace kcpp::bench;

namespace {
bool no_dirs(const std::string&) { return false; }
bool all_dirs(const std::string&) { return true; }

std::string usage_message(const BenchFlags& f, bool (*is_dir)(const std::string&) = no_dirs) {
  try {
    validate(f, is_dir);
  } catch (const kcpp::Error& e) {
    CHECK(e.kind() == kcpp::ErrorKind::usage);
    CHECK_FALSE(e.hints().empty());
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("Hub targets: REPO@vN, REPO@REVISION, --version, --revision", "[bench]") {
  auto t = parse_hub_target("kernels-community/activation@v2", std::nullopt, std::nullopt);
  CHECK(t.kind == KernelTarget::Kind::hub);
  CHECK(t.repo_id == "kernels-community/activation");
  CHECK(t.version == std::optional<long>(2));
  CHECK_FALSE(t.revision);
  t = parse_hub_target("org/k@main", std::nullopt, std::nullopt);
  CHECK(t.revision == std::optional<std::string>("main"));
  t = parse_hub_target("org/k@v1beta", std::nullopt, std::nullopt);  // not vN: a branch name
  CHECK(t.revision == std::optional<std::string>("v1beta"));
  t = parse_hub_target("org/k", std::string("3"), std::nullopt);
  CHECK(t.version == std::optional<long>(3));
  t = parse_hub_target("org/k", std::nullopt, std::string("0123abc"));
  CHECK(t.revision == std::optional<std::string>("0123abc"));
}

TEST_CASE("Hub target errors are usage errors with upstream's wording where it has one", "[bench]") {
  BenchFlags f;
  f.target = "org/k";
  CHECK(usage_message(f) == "must specify either --version N, --revision R or REPO@vN");
  f.target = "org/k@12";
  CHECK(usage_message(f) == "version must be prefixed with 'v'");
  f.target = "org/k@v1";
  f.version = "1";
  CHECK(usage_message(f) == "`org/k@v1` names a revision; do not pass --version or --revision as well");
  f.target = "org/k";
  f.revision = "main";
  CHECK(usage_message(f) == "--version and --revision cannot be used together");
  f.revision.reset();
  f.version = "x";
  CHECK(usage_message(f) == "argument --version: invalid int value: 'x'");
  f.version.reset();
  f.target = "./not-there";
  CHECK(usage_message(f) == "`./not-there` is neither a directory nor a Hub repo id");
  f.target = "org/k@";
  CHECK(usage_message(f) == "`org/k@`: empty revision after '@'");
}

TEST_CASE("flag validation", "[bench]") {
  BenchFlags f;
  CHECK(usage_message(f) == "missing the kernel: REPO (with --version N, --revision R or REPO@vN) or PATH");
  f.target = "org/k@v1";
  f.iterations = 0;
  CHECK(usage_message(f) == "--iterations must be between 1 and 100000, got 0");
  f.iterations = 100;
  f.warmup = -1;
  CHECK(usage_message(f) == "--warmup must be >= 0, got -1");
  f.warmup = 10;
  f.ops = "silu,bogus";
  CHECK(usage_message(f) == "--ops: unknown op 'bogus'");
  f.ops = "all";
  f.output = "";
  CHECK(usage_message(f) == "--output: empty file name");
  f.output.reset();

  BenchFlags r;
  r.reference_only = true;
  r.target = "org/k@v1";
  CHECK(usage_message(r) == "--reference-only takes no kernel (REPO or PATH)");
  r.target.clear();
  r.dry_run = true;
  CHECK(usage_message(r) == "--dry-run needs a kernel");
  r.dry_run = false;
  const auto o = validate(r, no_dirs);
  CHECK(o.reference_only);
  CHECK(o.target.kind == KernelTarget::Kind::none);
  CHECK(o.ops.size() == 11);
  CHECK(o.dtypes.size() == 3);
  CHECK(o.workloads.size() == 5);
  CHECK(o.warmup == 10);
  CHECK(o.iterations == 100);
}

TEST_CASE("an existing directory is a local kernel, revisions make no sense there", "[bench]") {
  BenchFlags f;
  f.target = "org/k";
  auto o = validate(f, all_dirs);
  CHECK(o.target.kind == KernelTarget::Kind::local);
  CHECK(o.target.path == "org/k");
  CHECK(o.target.warning == "'org/k' exists locally but looks like a repo_id. Use './org/k' to be explicit.");
  f.target = "./build/variant";
  o = validate(f, all_dirs);
  CHECK(o.target.warning.empty());
  f.version = "1";
  CHECK(usage_message(f, all_dirs) == "--revision and --version cannot be used with a local path");
}
