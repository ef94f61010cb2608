// Ref changes of the git backend: names, collisions, and atomic creation under concurrency
// (two creators of one ref, PR numbers allocated by racing create_pr commits).
#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "server/storage.hpp"

using namespace kcpp;
using namespace kcpp::server;

namespace {

struct Repo {
  fs::TempDir dir{"kcpp-refs-test"};
  std::unique_ptr<RepoStorage> storage = open_local_storage(dir.path() / "root");
  RepoId repo = RepoId::parse(RepoType::model, "org/refs");
  std::string main;

  Repo() {
    storage->create_repo(repo);
    main = commit("refs/heads/main", "README.md", "hi\n");
  }

  std::string commit(const std::string& ref, const std::string& path, const std::string& content) {
    CommitRequest req;
    req.ref = ref;
    req.message = "add " + path;
    req.changes = {{FileChange::Kind::put, path, content}};
    return storage->commit(repo, req);
  }

  // "ok", "conflict" or "usage"/"other" for the error F throws.
  static std::string outcome(const std::function<void()>& f) {
    try {
      f();
    } catch (const ConflictError&) {
      return "conflict";
    } catch (const Error& e) {
      return e.kind() == ErrorKind::usage ? "usage" : std::string("other: ") + e.what();
    }
    return "ok";
  }
};

}  // namespace

TEST_CASE_METHOD(Repo, "ref names: too long or colliding with another ref are usage errors", "[server][refs]") {
  CHECK(outcome([&] { branch_ref(std::string(300, 'b')); }) == "usage");
  CHECK(outcome([&] { branch_ref(std::string(229, 'b')); }) == "ok");
  CHECK(outcome([&] { branch_ref(std::string(230, 'b')); }) == "usage");
  CHECK(outcome([&] { storage->create_ref(repo, "refs/heads/" + std::string(300, 'b'), main); }) == "usage");
  // "main/sub" cannot live beside "main" (a ref is a file): 400, not a file-system error.
  CHECK(outcome([&] { storage->create_ref(repo, "refs/heads/main/sub", main); }) == "usage");
  CHECK(outcome([&] { commit("refs/heads/main/sub", "x", "x"); }) == "usage");
  storage->create_ref(repo, "refs/heads/deep/leaf", main);
  CHECK(outcome([&] { storage->create_ref(repo, "refs/heads/deep", main); }) == "usage");
  CHECK(outcome([&] { storage->move_ref(repo, "refs/heads/deep", main); }) == "usage");
  try {
    storage->create_ref(repo, "refs/heads/main/sub", main);
  } catch (const Error& e) {
    // Never a server path in the message (it reaches HTTP clients).
    CHECK(std::string(e.what()).find(dir.path().string()) == std::string::npos);
  }
}

TEST_CASE_METHOD(Repo, "of concurrent creators of one ref exactly one wins", "[server][refs]") {
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> ok{0}, conflict{0}, other{0};
    std::vector<std::thread> threads;
    std::string ref = "refs/heads/race-" + std::to_string(round);
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([&] {
        try {
          storage->create_ref(repo, ref, main);
          ++ok;
        } catch (const ConflictError&) {
          ++conflict;
        } catch (...) {
          ++other;
        }
      });
    for (auto& t : threads) t.join();
    CHECK(ok == 1);
    CHECK(conflict == 7);
    CHECK(other == 0);
  }
}

TEST_CASE_METHOD(Repo, "concurrent pull requests get distinct numbers, each on its own commit", "[server][refs]") {
  std::mutex mu;
  std::vector<PullRequestCommit> made;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        CommitRequest req;
        req.ref = "refs/heads/main";
        req.message = "pr";
        req.changes = {{FileChange::Kind::put, "f" + std::to_string(t) + "_" + std::to_string(i), "x"}};
        auto pr = storage->commit_pull_request(repo, req);
        std::lock_guard<std::mutex> lock(mu);
        made.push_back(pr);
      }
    });
  for (auto& t : threads) t.join();
  std::set<std::uint64_t> numbers;
  for (const auto& pr : made) {
    numbers.insert(pr.number);
    CHECK(storage->resolve_revision(repo, "refs/pr/" + std::to_string(pr.number)).sha == pr.oid);
  }
  CHECK(numbers.size() == 80);
  CHECK(*numbers.rbegin() == 80);
  CHECK(storage->resolve_revision(repo, "main").sha == main);  // the base does not move
}

TEST_CASE_METHOD(Repo, "move_ref replaces a ref in one write, or creates it", "[server][refs]") {
  auto second = commit("refs/heads/main", "b.txt", "b\n");
  storage->move_ref(repo, "refs/heads/topic", main);
  CHECK(storage->resolve_revision(repo, "topic").sha == main);
  storage->move_ref(repo, "refs/heads/topic", second);
  CHECK(storage->resolve_revision(repo, "topic").sha == second);
}
