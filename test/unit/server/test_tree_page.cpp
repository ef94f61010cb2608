// Paged tree listings (list_tree_page) give exactly the pages of the full sorted listing,
// from any cursor, for trees whose names put folders' own entries away from their contents
// ("a" < "a-b" < "a.txt" < "a/x": '-' and '.' sort before '/').
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <set>

#include "core/fs.hpp"
#include "server/storage.hpp"

using namespace kcpp;
using namespace kcpp::server;

namespace {

struct PagedRepo {
  fs::TempDir dir{"kcpp-tree-page"};
  std::unique_ptr<RepoStorage> storage = open_local_storage(dir.path() / "root");
  RepoId repo = RepoId::parse(RepoType::model, "org/paged");
  std::string commit;

  explicit PagedRepo(const std::set<std::string>& files) {
    storage->create_repo(repo);
    CommitRequest req;
    req.ref = "refs/heads/main";
    req.message = "tree";
    for (const auto& f : files) req.changes.push_back({FileChange::Kind::put, f, f.size() % 3 == 0 ? "" : f});
    commit = storage->commit(repo, req);
  }

  std::vector<std::string> full(const std::string& path, bool recursive) {
    std::vector<std::string> out;
    for (const auto& e : storage->list_tree(repo, commit, path, recursive)) out.push_back(e.path);
    return out;
  }

  std::vector<std::string> page(const std::string& path, bool recursive, const std::string& after, std::size_t limit,
                                bool* more = nullptr) {
    auto p = storage->list_tree_page(repo, commit, path, recursive, after, limit);
    if (more) *more = p.more;
    std::vector<std::string> out;
    for (const auto& e : p.entries) out.push_back(e.path);
    return out;
  }

  // Pages from AFTER on must be the full listing's entries after AFTER.
  void check_from(const std::string& path, bool recursive, const std::string& after, std::size_t limit) {
    auto all = full(path, recursive);
    auto begin = std::upper_bound(all.begin(), all.end(), after);
    std::vector<std::string> want(begin, begin + static_cast<long>(std::min<std::size_t>(limit, all.end() - begin)));
    bool more = false;
    INFO("path '" << path << "' recursive " << recursive << " after '" << after << "' limit " << limit);
    CHECK(page(path, recursive, after, limit, &more) == want);
    CHECK(more == (static_cast<std::size_t>(all.end() - begin) > limit));
  }
};

// Random file paths over names chosen to collide in sort order; no path is a folder of another.
std::set<std::string> random_tree(unsigned seed, int count) {
  static const char* names[] = {"a", "a-b", "a.txt", "a b", "a!", "b", "a-", "a.", "z", "ab", "a~", "\xc3\xa9", "A"};
  std::mt19937 rng(seed);
  std::set<std::string> paths;
  for (int i = 0; i < count; ++i) {
    int depth = 1 + static_cast<int>(rng() % 3);
    std::string p;
    for (int d = 0; d < depth; ++d) p += (d ? "/" : "") + std::string(names[rng() % std::size(names)]);
    paths.insert(p);
  }
  std::set<std::string> files;
  for (const auto& p : paths) {
    auto next = paths.lower_bound(p + "/");
    if (next == paths.end() || next->rfind(p + "/", 0) != 0) files.insert(p);  // not a folder of another
  }
  return files;
}

}  // namespace

TEST_CASE("paged listings equal the full sorted listing, from every cursor", "[server][tree]") {
  for (unsigned seed = 1; seed <= 6; ++seed) {
    PagedRepo r(random_tree(seed, 60));
    std::vector<std::string> folders = {""};  // the root and up to three top-level folders
    for (const auto& e : r.storage->list_tree(r.repo, r.commit, "", false))
      if (e.type == TreeEntry::Type::directory && folders.size() < 4) folders.push_back(e.path);
    for (const auto& folder : folders) {
      for (bool recursive : {true, false}) {
        auto all = r.full(folder, recursive);
        // Walking pages of every size gives the whole listing, in order.
        for (std::size_t limit : {1u, 2u, 3u, 7u, 1000u}) {
          std::vector<std::string> walked;
          std::string after;
          for (;;) {
            bool more = false;
            auto p = r.page(folder, recursive, after, limit, &more);
            walked.insert(walked.end(), p.begin(), p.end());
            if (!more) break;
            REQUIRE(!p.empty());
            after = p.back();
          }
          INFO("seed " << seed << " folder '" << folder << "' recursive " << recursive << " limit " << limit);
          CHECK(walked == all);
        }
        // Any cursor: listed paths, paths that are not there, before and after the range.
        std::vector<std::string> cursors(all.begin(), all.end());
        for (const char* extra : {"a", "a-", "a/zz", "a.txt/x", "a-b/", "0", "zzzz", "a b/a-b/z", "\xff"})
          cursors.push_back(folder.empty() ? extra : folder + "/" + extra);
        cursors.push_back(folder);
        for (const auto& c : cursors) r.check_from(folder, recursive, c, 4);
      }
    }
  }
}

TEST_CASE("a page of a big tree does not list the tree", "[server][tree]") {
  std::set<std::string> files;
  for (int i = 0; i < 50; ++i)
    for (int j = 0; j < 50; ++j) files.insert("d" + std::to_string(i) + "/f" + std::to_string(j) + ".txt");
  PagedRepo r(files);
  auto all = r.full("", true);
  REQUIRE(all.size() == 2550);
  r.check_from("", true, all[2000], 10);
  r.check_from("", true, all.back(), 10);
  r.check_from("d7", false, "d7/f3.txt", 5);
  CHECK_THROWS_AS(r.storage->list_tree_page(r.repo, r.commit, "d7/f3.txt", false, "", 5), Error);
  CHECK_THROWS_AS(r.storage->list_tree_page(r.repo, r.commit, "nope", false, "", 5), Error);
}
