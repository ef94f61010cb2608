// The git backend against temporary bare repositories: commits, revision resolution, tree
// listings with LFS information, and the compare-and-swap on refs.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/hash.hpp"
#include "server/local_import.hpp"
#include "server/storage.hpp"

using namespace kcpp;
using namespace kcpp::server;

namespace {

ErrorKind kind_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  FAIL("expected a kcpp::Error");
  return ErrorKind::failure;
}

struct Fixture {
  fs::TempDir dir{"kcpp-server-test"};
  std::unique_ptr<RepoStorage> storage = open_local_storage(dir.path() / "root");
  RepoId repo = RepoId::parse(RepoType::kernel, "org/relu");
  std::string binary = std::string(
                           "\x7f"
                           "ELF\0\0\1",
                           7) +
                       std::string(3000, 'x');

  std::filesystem::path write_src(const std::string& name, const std::string& readme) {
    auto src = dir.path() / name;
    fs::atomic_write(src / "README.md", readme);
    fs::atomic_write(src / "build" / "torch-cuda" / "metadata.json", "{\"v\": 1}\n");
    fs::atomic_write(src / "build" / "torch-cuda" / "_ops.so", binary);
    fs::atomic_write(src / "build" / "torch-cpu" / "__init__.py", "");
    fs::atomic_write(src / ".git" / "HEAD", "ignored\n");
    return src;
  }
};

}  // namespace

TEST_CASE_METHOD(Fixture, "committing a folder creates the repo, stores binaries in LFS", "[server][git]") {
  CHECK_FALSE(storage->repo_exists(repo));
  auto result = commit_directory(*storage, repo, write_src("src", "# relu\n"), "main", "");
  CHECK(storage->repo_exists(repo));
  CHECK(result.files == 4);
  CHECK(result.lfs_files == 1);
  CHECK(result.commit.size() == 40);

  auto entries = storage->list_tree(repo, result.commit, "", true);
  std::vector<std::string> paths;
  for (const auto& e : entries) paths.push_back(e.path);
  CHECK(paths == std::vector<std::string>{"README.md", "build", "build/torch-cpu", "build/torch-cpu/__init__.py",
                                          "build/torch-cuda", "build/torch-cuda/_ops.so",
                                          "build/torch-cuda/metadata.json"});
  const auto& readme = entries[0];
  CHECK(readme.oid == hash::git_blob_id("# relu\n"));
  CHECK(readme.size == 7);
  CHECK_FALSE(readme.lfs);
  const auto& ops = entries[5];
  REQUIRE(ops.lfs);
  CHECK(ops.lfs->oid == hash::sha256_hex(binary));
  CHECK(ops.size == binary.size());
  std::string pointer = format_lfs_pointer({hash::sha256_hex(binary), binary.size()});
  CHECK(ops.oid == hash::git_blob_id(pointer));
  CHECK(ops.lfs->pointer_size == pointer.size());
  CHECK(storage->lfs().size_of(ops.lfs->oid) == binary.size());
  CHECK(entries[1].type == TreeEntry::Type::directory);
  CHECK(entries[1].size == 0);

  auto top = storage->list_tree(repo, result.commit, "build", false);
  REQUIRE(top.size() == 2);
  CHECK(top[0].path == "build/torch-cpu");
  CHECK(storage->list_tree(repo, result.commit, "/build/torch-cuda/", false).size() == 2);
  CHECK(kind_of([&] { storage->list_tree(repo, result.commit, "nope", false); }) == ErrorKind::entry_not_found);
  CHECK(kind_of([&] { storage->list_tree(repo, result.commit, "README.md", false); }) == ErrorKind::entry_not_found);
  CHECK(kind_of([&] { storage->list_tree(repo, result.commit, "../x", false); }) == ErrorKind::entry_not_found);

  auto file = storage->read_file(repo, result.commit, "build/torch-cuda/_ops.so");
  CHECK(file.blob == pointer);
  CHECK(file.entry.lfs);
  CHECK(storage->read_file(repo, result.commit, "README.md").blob == "# relu\n");
  CHECK(kind_of([&] { storage->read_file(repo, result.commit, "build"); }) == ErrorKind::entry_not_found);
  CHECK(kind_of([&] { storage->read_file(repo, result.commit, ""); }) == ErrorKind::entry_not_found);
}

TEST_CASE_METHOD(Fixture, "revisions resolve like the Hub's", "[server][git]") {
  auto main1 = commit_directory(*storage, repo, write_src("a", "one\n"), "main", "first").commit;
  auto v1 = commit_directory(*storage, repo, write_src("b", "two\n"), "v1", "v1").commit;
  storage->create_ref(repo, "refs/tags/t1", main1);
  storage->create_ref(repo, "refs/pr/1", v1);

  CHECK(storage->resolve_revision(repo, "main").sha == main1);
  CHECK(storage->resolve_revision(repo, "refs/heads/main").sha == main1);
  CHECK(storage->resolve_revision(repo, "v1").sha == v1);
  CHECK(storage->resolve_revision(repo, "refs/heads/v1").sha == v1);
  CHECK(storage->resolve_revision(repo, "t1").sha == main1);
  CHECK(storage->resolve_revision(repo, "refs/tags/t1").sha == main1);
  CHECK(storage->resolve_revision(repo, "refs/pr/1").sha == v1);
  CHECK(storage->resolve_revision(repo, v1).sha == v1);
  CHECK(storage->resolve_revision(repo, v1.substr(0, 7)).sha == v1);
  CHECK(storage->resolve_revision(repo, v1.substr(0, 12)).sha == v1);
  CHECK(storage->resolve_revision(repo, "main").time > 0);

  for (const char* bad : {"nope", "refs/heads/nope", "refs/pr/9", "", "..", "a b", "main~1", "HEAD"}) {
    INFO(bad);
    CHECK(kind_of([&] { storage->resolve_revision(repo, bad); }) == ErrorKind::revision_not_found);
  }
  CHECK(kind_of([&] { storage->resolve_revision(repo, std::string(40, '0')); }) == ErrorKind::revision_not_found);
  CHECK(kind_of([&] { storage->resolve_revision(repo, v1.substr(0, 6)); }) == ErrorKind::revision_not_found);

  auto refs = storage->list_refs(repo);
  REQUIRE(refs.branches.size() == 2);
  CHECK(refs.branches[0].name == "main");
  CHECK(refs.branches[0].ref == "refs/heads/main");
  CHECK(refs.branches[0].target_commit == main1);
  CHECK(refs.branches[1].target_commit == v1);
  REQUIRE(refs.tags.size() == 1);
  CHECK(refs.tags[0].name == "t1");
  REQUIRE(refs.pull_requests.size() == 1);
  CHECK(refs.pull_requests[0].ref == "refs/pr/1");

  auto missing = RepoId::parse(RepoType::kernel, "org/missing");
  CHECK(kind_of([&] { storage->resolve_revision(missing, "main"); }) == ErrorKind::repo_not_found);
  // Types are separate namespaces: the kernel repo is not a model repo.
  auto as_model = RepoId::parse(RepoType::model, "org/relu");
  CHECK_FALSE(storage->repo_exists(as_model));
  CHECK(kind_of([&] { storage->list_refs(as_model); }) == ErrorKind::repo_not_found);
}

TEST_CASE_METHOD(Fixture, "commits chain on the branch head and honour parent_commit", "[server][git]") {
  auto first = commit_directory(*storage, repo, write_src("a", "one\n"), "main", "first").commit;

  CommitRequest edit;
  edit.ref = "refs/heads/main";
  edit.message = "edit";
  edit.changes = {{FileChange::Kind::put, "docs/new.md", "new\n"},
                  {FileChange::Kind::remove_folder, "build/torch-cpu", ""},
                  {FileChange::Kind::remove_file, "README.md", ""},
                  {FileChange::Kind::remove_file, "not/there", ""}};
  edit.parent_commit = first;
  auto second = storage->commit(repo, edit);
  std::vector<std::string> paths;
  for (const auto& e : storage->list_tree(repo, second, "", true))
    if (e.type == TreeEntry::Type::file) paths.push_back(e.path);
  CHECK(paths == std::vector<std::string>{"build/torch-cuda/_ops.so", "build/torch-cuda/metadata.json", "docs/new.md"});

  // A stale parent is a precondition failure (HTTP 412 later), and the ref does not move.
  try {
    storage->commit(repo, edit);
    FAIL("expected a conflict");
  } catch (const ConflictError& e) {
    CHECK(e.precondition_failed());
  }
  CHECK(storage->resolve_revision(repo, "main").sha == second);

  CommitRequest bad = edit;
  bad.parent_commit.reset();
  bad.changes = {{FileChange::Kind::put, "a/../b", "x"}};
  CHECK(kind_of([&] { storage->commit(repo, bad); }) == ErrorKind::usage);
  bad.changes = {{FileChange::Kind::put, ".git/config", "x"}};
  CHECK(kind_of([&] { storage->commit(repo, bad); }) == ErrorKind::usage);
  bad.changes = {{FileChange::Kind::put, "docs/new.md/child", "x"}};  // a file where a folder is needed
  CHECK(kind_of([&] { storage->commit(repo, bad); }) == ErrorKind::usage);
  bad.ref = "refs/tags/x";
  CHECK(kind_of([&] { storage->commit(repo, bad); }) == ErrorKind::usage);

  CHECK_THROWS_AS(storage->create_ref(repo, "refs/heads/main", first), ConflictError);
  CHECK(kind_of([&] { storage->create_ref(repo, "refs/heads/bad..name", first); }) == ErrorKind::usage);
  CHECK(kind_of([&] { storage->create_ref(repo, "refs/pr/x", first); }) == ErrorKind::usage);
  CHECK(kind_of([&] { branch_ref("bad name"); }) == ErrorKind::usage);
  CHECK(branch_ref("v1") == "refs/heads/v1");
}

TEST_CASE_METHOD(Fixture, "concurrent commits never lose one another", "[server][git]") {
  commit_directory(*storage, repo, write_src("a", "one\n"), "main", "first");
  std::atomic<int> ok{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        CommitRequest req;
        req.ref = "refs/heads/main";
        req.message = "t" + std::to_string(t) + "-" + std::to_string(i);
        req.changes = {{FileChange::Kind::put, "f" + std::to_string(t) + "_" + std::to_string(i), "x"}};
        try {
          storage->commit(repo, req);
          ++ok;
        } catch (const ConflictError& e) {
          CHECK_FALSE(e.precondition_failed());
          ++conflicts;
        }
      }
    });
  for (auto& t : threads) t.join();
  CHECK(ok + conflicts == 40);
  CHECK(ok >= 1);
  // Every successful commit is on the branch: the tree holds its file.
  std::size_t added = 0;
  for (const auto& e : storage->list_tree(repo, storage->resolve_revision(repo, "main").sha, "", false))
    if (e.path.rfind("f", 0) == 0) ++added;
  CHECK(added == static_cast<std::size_t>(ok.load()));
}
