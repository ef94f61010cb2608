// HubClient against a real kernels-hub process (tag [live]).
#include <catch2/catch.hpp>

#include <chrono>
#include <set>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/hash.hpp"
#include "hub/client.hpp"
#include "../support/hub_process.hpp"

using namespace kcpp;
using namespace kcpp::hub;

namespace {

std::string big_binary(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + 7) % 251);
  return s;
}

struct Fixture {
  test::HubProcess hub;
  std::string so = big_binary(300 * 1024);  // binary → stored as LFS
  std::string init = "from ._ops import ops\n";
  std::string sha_v1, sha_main;
  HubClient client{[&] {
    ClientSettings s;
    s.endpoint = hub.url();
    s.retry.base_delay_s = 0.01;
    return s;
  }()};

  Fixture() {
    auto src = hub.scratch() / "src";
    fs::atomic_write(src / "build/torch211-cxx11-cu130-x86_64-linux/__init__.py", init);
    fs::atomic_write(src / "build/torch211-cxx11-cu130-x86_64-linux/_ops.abi3.so", so);
    fs::atomic_write(src / "build/torch-cuda/__init__.py", init);
    fs::atomic_write(src / "README.md", "# demo\n");
    sha_v1 = hub.commit("org/k", src, "v1");
    sha_main = hub.commit("org/k", src, "main");
  }
};

}  // namespace

TEST_CASE_METHOD(Fixture, "refs, tree, info and metadata from a live hub", "[hub][live]") {
  auto refs = client.list_refs(RepoType::kernel, parse_repo_id("org/k"));
  REQUIRE(refs.branches.size() == 2);
  for (const auto& b : refs.branches) {
    CHECK(b.ref == "refs/heads/" + b.name);
    CHECK(b.target_commit == (b.name == "v1" ? sha_v1 : sha_main));
  }

  auto tree = client.list_tree(RepoType::kernel, parse_repo_id("org/k"), "refs/heads/v1", "", true);
  const TreeEntry* so_entry = nullptr;
  const TreeEntry* init_entry = nullptr;
  for (const auto& e : tree) {
    if (e.path == "build/torch211-cxx11-cu130-x86_64-linux/_ops.abi3.so") so_entry = &e;
    if (e.path == "build/torch-cuda/__init__.py") init_entry = &e;
  }
  REQUIRE(so_entry);
  REQUIRE(so_entry->lfs);
  CHECK(so_entry->lfs->oid == hash::sha256_hex(so));
  CHECK(so_entry->size == so.size());
  REQUIRE(init_entry);
  CHECK_FALSE(init_entry->lfs);
  CHECK(init_entry->oid == hash::git_blob_id(init));

  auto build = client.list_tree(RepoType::kernel, parse_repo_id("org/k"), "v1", "build", false);
  REQUIRE(build.size() == 2);
  for (const auto& e : build) CHECK(e.kind == TreeEntry::Kind::directory);

  CHECK(client.repo_info(RepoType::kernel, parse_repo_id("org/k"), "v1").sha == sha_v1);

  auto meta = client.file_metadata(RepoType::kernel, parse_repo_id("org/k"), "v1", "build/torch-cuda/__init__.py");
  CHECK(meta.etag == hash::git_blob_id(init));
  CHECK(meta.commit == sha_v1);
  CHECK(meta.size == init.size());
  auto lfs = client.file_metadata(RepoType::kernel, parse_repo_id("org/k"), "v1",
                                  "build/torch211-cxx11-cu130-x86_64-linux/_ops.abi3.so");
  CHECK(lfs.etag == hash::sha256_hex(so));
  CHECK(lfs.size == so.size());
}

TEST_CASE_METHOD(Fixture, "downloads stream whole files and resume from an offset", "[hub][live]") {
  std::string got;
  auto sink = [&](std::string_view c) {
    got.append(c);
    return true;
  };
  const std::string so_path = "build/torch211-cxx11-cu130-x86_64-linux/_ops.abi3.so";
  client.download_file(RepoType::kernel, parse_repo_id("org/k"), sha_v1, so_path, sink);
  CHECK(got == so);
  got.clear();
  client.download_file(RepoType::kernel, parse_repo_id("org/k"), "main", "README.md", sink);
  CHECK(got == "# demo\n");
  got = so.substr(0, 1000);
  client.download_file(RepoType::kernel, parse_repo_id("org/k"), "v1", so_path, sink, 1000);
  CHECK(got == so);
}

TEST_CASE_METHOD(Fixture, "API answers over the size limit are refused", "[hub][live]") {
  // Regression (security issue 12, item 4): answers were kept whole, whatever their size.
  ClientSettings s = client.settings();
  s.max_response_bytes = 64;
  HubClient small(s);
  try {
    small.list_tree(RepoType::kernel, parse_repo_id("org/k"), "v1", "", true);
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::http);
    CHECK_THAT(std::string(e.what()), Catch::Contains("larger than 64 bytes (KCPP_MAX_RESPONSE_MB)"));
  }
}

TEST_CASE_METHOD(Fixture, "a file body may not outgrow the size the caller expects", "[hub][live]") {
  // Regression (security issue 12, item 5): the body was written until the server stopped,
  // whatever the tree listed (300 MB into the cache for an 8-byte file).
  const std::string so_path = "build/torch211-cxx11-cu130-x86_64-linux/_ops.abi3.so";
  std::string got;
  int restarts = 0;
  auto sink = [&](std::string_view c) {
    got.append(c);
    return true;
  };
  auto restart = [&] {
    ++restarts;
    got.clear();
  };
  auto repo = parse_repo_id("org/k");
  auto meta = client.download_file(RepoType::kernel, repo, sha_v1, so_path, sink, 0, restart, so.size());
  CHECK(got == so);
  CHECK(meta.size == so.size());
  got.clear();
  try {
    client.download_file(RepoType::kernel, repo, sha_v1, so_path, sink, 0, restart, 1000);
    FAIL("accepted a body longer than expected");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::verification);
    CHECK_THAT(std::string(e.what()), Catch::Contains("does not match its size of 1000 bytes"));
  }
  CHECK(got.empty());  // nothing kept: refused before the first byte, and discarded anyway
  CHECK(restarts == 1);
  // Shorter than expected: the body ends early, a verification error too (no endless retry).
  CHECK_THROWS_AS(client.download_file(RepoType::kernel, repo, sha_v1, "README.md", sink, 0, restart, 100), Error);
}

TEST_CASE_METHOD(Fixture, "missing repo, revision and entry are typed errors", "[hub][live]") {
  auto kind_of = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.kind();
    }
    return ErrorKind::failure;
  };
  auto repo = parse_repo_id("org/k");
  CHECK(kind_of([&] { client.list_refs(RepoType::kernel, parse_repo_id("org/missing")); }) ==
        ErrorKind::repo_not_found);
  CHECK(kind_of([&] { client.list_tree(RepoType::kernel, repo, "v9", "build", false); }) ==
        ErrorKind::revision_not_found);
  CHECK(kind_of([&] { client.list_tree(RepoType::kernel, repo, "v1", "nope", false); }) == ErrorKind::entry_not_found);
  CHECK(kind_of([&] { client.file_metadata(RepoType::kernel, repo, "v1", "nope.txt"); }) ==
        ErrorKind::entry_not_found);
  CHECK(kind_of([&] { client.repo_info(RepoType::kernel, repo, "v9"); }) == ErrorKind::revision_not_found);
  CHECK_FALSE(client.repo_exists(RepoType::model, repo));
}

TEST_CASE("tree listings follow Link pagination to the end", "[hub][live]") {
  test::HubProcess hub;
  auto src = hub.scratch() / "many";
  const int n = 1100;  // more than one page (the hub pages at 1000 entries)
  for (int i = 0; i < n; ++i) fs::atomic_write(src / "build/torch-cpu" / ("f" + std::to_string(i) + ".py"), "x\n");
  hub.commit("org/many", src, "v1");
  ClientSettings s;
  s.endpoint = hub.url();
  HubClient client(s);
  auto tree = client.list_tree(RepoType::kernel, parse_repo_id("org/many"), "v1", "", true);
  std::set<std::string> paths;
  for (const auto& e : tree) paths.insert(e.path);
  CHECK(paths.size() == tree.size());  // no page repeated
  CHECK(tree.size() == static_cast<std::size_t>(n) + 2);  // files + build/ + build/torch-cpu/
}

TEST_CASE("a download does not wait for an hours-long Retry-After", "[hub][live][reliability]") {
  // Regression (reliability suite): download_file slept Retry-After + 1 s per attempt with no
  // bound (send() has one), so a server answering 429 with Retry-After: 3600 hung it for hours.
  test::HubProcess hub({"--faults", "429=3600x1:/lfs-objects/"});
  auto src = hub.scratch() / "src";
  std::string so = big_binary(100 * 1024);
  fs::atomic_write(src / "build/v/_ops.so", so);
  hub.commit("org/k", src, "v1");
  ClientSettings s;
  s.endpoint = hub.url();
  s.retry.base_delay_s = 0.01;
  s.retry.max_total_s = 1.0;
  HubClient client(s);
  std::string got;
  auto t0 = std::chrono::steady_clock::now();
  client.download_file(RepoType::kernel, parse_repo_id("org/k"), "v1", "build/v/_ops.so", [&](std::string_view c) {
    got.append(c);
    return true;
  });
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
  CHECK(got == so);

  test::HubProcess always({"--faults", "429=3600:/lfs-objects/"});
  auto src2 = always.scratch() / "src";
  fs::atomic_write(src2 / "build/v/_ops.so", so);
  always.commit("org/k", src2, "v1");
  s.endpoint = always.url();
  HubClient stuck(s);
  t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(stuck.download_file(RepoType::kernel, parse_repo_id("org/k"), "v1", "build/v/_ops.so",
                                        [](std::string_view) { return true; }),
                    Catch::Contains("giving up on 'build/v/_ops.so'"));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
}
