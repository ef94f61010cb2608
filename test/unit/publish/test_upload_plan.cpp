// Upload planning rules (upstream: kernel-builder/src/upload.rs step 4–5), without a Hub.
#include <catch2/catch.hpp>

#include <fstream>

#include "core/fs.hpp"
#include "publish/upload_plan.hpp"
#include "publish/uploader.hpp"
#include "publish/variants.hpp"

using namespace kcpp;
using kcpp::fs::TempDir;
using kcpp::hub::CommitOperation;
namespace stdfs = std::filesystem;

namespace {

void write(const stdfs::path& p, const std::string& text) {
  stdfs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

std::string metadata(int version, bool dirty = false) {
  return std::string(R"({"name": "relu", "id": "_relu_cpu_abc1234", "version": )") + std::to_string(version) +
         R"(, "license": "MIT", "python-depends": [], "backend": {"type": "cpu"})" +
         (dirty ? R"(, "provenance": {"kernel-builder": {"version": "0.1.0"}, "kernel": {"commit": "0123456789012345678901234567890123456789", "dirty": true}})"
                : "") +
         "}";
}

std::vector<std::string> describe(const std::vector<CommitOperation>& ops) {
  std::vector<std::string> out;
  for (const auto& op : ops)
    out.push_back((op.kind == CommitOperation::Kind::add ? "+" : "-") + op.path_in_repo);
  return out;
}

}  // namespace

TEST_CASE("variants are discovered in result/, build/, then the directory itself", "[publish]") {
  TempDir tmp;
  const stdfs::path k = tmp.path();
  CHECK_THROWS_WITH(publish::discover_variants(k), Catch::Contains("No build variants found in `"));
  write(k / "build/torch211-cxx11-cpu-x86_64-linux/metadata.json", metadata(1));
  write(k / "build/torch210-cxx11-cpu-x86_64-linux/metadata.json", metadata(1));
  write(k / "build/.kcpp-work/scratch.txt", "not a variant");
  auto found = publish::discover_variants(k);
  CHECK(found.build_dir == k / "build");
  REQUIRE(found.variants.size() == 2);
  CHECK(found.variants[0].filename() == "torch210-cxx11-cpu-x86_64-linux");
  CHECK(publish::branch_from_metadata(found.variants) == std::optional<std::string>("v1"));

  write(k / "result/torch29-cxx11-cpu-x86_64-linux/metadata.json", metadata(2, true));
  found = publish::discover_variants(k);
  CHECK(found.build_dir == k / "result");
  CHECK(publish::dirty_variant_names(found.variants) == std::vector<std::string>{"torch29-cxx11-cpu-x86_64-linux"});
}

TEST_CASE("several versions in one upload are refused", "[publish]") {
  TempDir tmp;
  write(tmp.path() / "build/a/metadata.json", metadata(1));
  write(tmp.path() / "build/b/metadata.json", metadata(2));
  auto found = publish::discover_variants(tmp.path());
  CHECK_THROWS_WITH(publish::branch_from_metadata(found.variants),
                    "Found multiple versions in build variants: 1, 2");
}

TEST_CASE("a new version branch replaces everything under build/ and benchmarks/", "[publish]") {
  publish::VersionBranchInput in;
  in.build = {{"build/v1/__init__.py", "/x/a"}, {"build/v1/metadata.json", "/x/b"}};
  in.variant_names = {"v1"};
  in.benchmarks = {{"benchmarks/benchmark.py", "/x/c"}};
  in.existing_files = {"README.md", "build/v1/__init__.py", "build/v1/stale.so", "build/v0/old.py",
                       "benchmarks/helper.py", "benchmarks/benchmark_old.py"};
  in.new_branch = true;
  CHECK(describe(publish::plan_version_branch(in)) ==
        std::vector<std::string>{"+benchmarks/benchmark.py", "-benchmarks/helper.py", "-benchmarks/benchmark_old.py",
                                 "-build/v1/stale.so", "-build/v0/old.py", "+build/v1/__init__.py",
                                 "+build/v1/metadata.json"});
}

TEST_CASE("an existing branch keeps other variants and non-benchmark files", "[publish]") {
  publish::VersionBranchInput in;
  in.build = {{"build/v1/__init__.py", "/x/a"}};
  in.variant_names = {"v1"};
  in.existing_files = {"build/v1/__init__.py", "build/v1/stale.so", "build/v10/keep.py", "build/v0/keep.py",
                       "benchmarks/helper.py", "benchmarks/benchmark_old.py"};
  CHECK(describe(publish::plan_version_branch(in)) ==
        std::vector<std::string>{"-benchmarks/benchmark_old.py", "-build/v1/stale.so", "+build/v1/__init__.py"});
}

TEST_CASE("the card goes to main as README.md", "[publish]") {
  TempDir tmp;
  CHECK(publish::plan_main_branch(tmp.path()).empty());
  write(tmp.path() / "CARD.md", "# card");
  CHECK(describe(publish::plan_main_branch(tmp.path())) == std::vector<std::string>{"+README.md"});
}

TEST_CASE("commits are batched by 1000 operations with upstream's messages", "[publish]") {
  std::vector<CommitOperation> ops(2500);
  auto chunks = publish::batches(ops);
  REQUIRE(chunks.size() == 3);
  CHECK(chunks[2].size() == 500);
  CHECK(publish::commit_message(0, 1) == "Uploaded using `kernel-builder`.");
  CHECK(publish::commit_message(1, 3) == "Uploaded using `kernel-builder` (batch 2/3).");
}

TEST_CASE("the --output-json document has upstream's shape", "[publish]") {
  publish::UploadOutcome o;
  o.status = publish::UploadStatus::no_changes;
  o.repo_id = "ns/relu";
  o.branch = "v1";
  CHECK(publish::outcome_json(o) ==
        "{\n  \"status\": \"no_changes\",\n  \"repo_id\": \"ns/relu\",\n  \"branch\": \"v1\",\n  \"url\": null,\n"
        "  \"pull_requests\": []\n}\n");
}

TEST_CASE("the permission guidance names the repo and where to ask", "[publish]") {
  const auto g = publish::publishing_guidance("my-user/my-kernel");
  CHECK_THAT(g, Catch::StartsWith("You do not have permission to publish the kernel `my-user/my-kernel`."));
  CHECK_THAT(g, Catch::Contains("https://huggingface.co/spaces/kernels-community/README/discussions/new"));
}
