// One page of a tree listing without listing the tree: the entries after a cursor, in the
// order list_tree() sorts them (plain byte order of the full paths), found by walking git
// trees from the cursor on. A page costs O(page · depth · log(folder size)), so paging
// through a 10,000-file repository no longer re-reads the whole tree for every page.
//
// Why this is not a plain depth-first walk: git sorts the entries of one tree by name, a
// folder's name counting as if followed by '/', which puts a folder's contents exactly
// where byte order of full paths puts them ("build.toml" < "build/..." since '.' < '/').
// But a folder's own entry ("build") sorts before "build.toml", i.e. earlier than its
// contents. So at each level the walk goes through git's order and, before each entry K,
// emits the folders whose own entry sorts between the last thing emitted and K: those are
// exactly the folders whose name is a prefix P of K followed by a character <= '/' (any
// string strictly between P and P + "/" starts with P followed by such a character).
#include <deque>

#include "server/git_storage.hpp"

namespace kcpp::server {

namespace {

struct Item {
  TreeEntry entry;
  bool descend = false;  // recursive listing: after ENTRY's turn, walk the folder it names
  git_oid oid{};
};

class OrderedWalk {
 public:
  OrderedWalk(git_repository* repo, git_odb* odb, git::Tree root, std::string root_prefix, bool recursive)
      : repo_(repo), odb_(odb), recursive_(recursive) {
    levels_.emplace_back(std::move(root), root_prefix.empty() ? "" : root_prefix + "/");
  }

  // Positions the walk after CURSOR, a path relative to the listed folder (the entries that
  // follow it in byte order come next, whether or not CURSOR itself exists).
  void seek_after(std::string_view cursor) {
    for (;;) {
      Level& level = levels_.back();
      auto slash = cursor.find('/');
      if (recursive_ && slash != std::string_view::npos) {
        std::string head(cursor.substr(0, slash));
        const git_tree_entry* e = git_tree_entry_byname(level.tree.get(), head.c_str());
        if (e != nullptr && git_tree_entry_type(e) == GIT_OBJECT_TREE) {
          // The cursor is inside folder HEAD: continue there, then after HEAD's contents here.
          level.index = first_after(level, head + "/");
          level.last = std::string(cursor);
          push_folder(git_tree_entry_id(e), level.prefix + head + "/");
          cursor.remove_prefix(slash + 1);
          continue;
        }
      }
      level.index = first_after(level, cursor);
      level.last = std::string(cursor);
      return;
    }
  }

  std::optional<TreeEntry> next() {
    while (!levels_.empty()) {
      Level& level = levels_.back();
      if (!level.queue.empty()) {
        Item item = std::move(level.queue.front());
        level.queue.pop_front();
        if (item.descend) push_folder(&item.oid, item.entry.path + "/");
        return std::move(item.entry);
      }
      std::size_t n = git_tree_entrycount(level.tree.get());
      if (level.index >= n) {
        levels_.pop_back();
        continue;
      }
      const git_tree_entry* e = git_tree_entry_byindex(level.tree.get(), level.index++);
      std::string key = git_key(e);
      queue_folders_before(level, key);
      if (key > level.last) {
        level.last = key;  // before push_folder, which may move LEVEL (levels_ grows)
        auto type = git_tree_entry_type(e);
        if (type == GIT_OBJECT_BLOB) {
          level.queue.push_back(Item{file_entry(level, e)});
        } else if (type == GIT_OBJECT_TREE && recursive_ && !level.queue.empty() &&
                   level.queue.back().entry.path == level.prefix + git_tree_entry_name(e)) {
          // The folder's own entry was just queued: walk its contents right after it.
          level.queue.back().descend = true;
          git_oid_cpy(&level.queue.back().oid, git_tree_entry_id(e));
        } else if (type == GIT_OBJECT_TREE && recursive_) {
          // Its entry came earlier (before a sibling like "name.txt"); its contents come now.
          push_folder(git_tree_entry_id(e), level.prefix + git_tree_entry_name(e) + "/");
        }
      }
    }
    return std::nullopt;
  }

 private:
  struct Level {
    Level(git::Tree t, std::string p) : tree(std::move(t)), prefix(std::move(p)) {}
    git::Tree tree;
    std::string prefix;  // full path of this folder plus '/', "" for the repository root
    std::size_t index = 0;
    std::string last;  // the greatest key (relative to this folder) already passed
    std::deque<Item> queue;
  };

  // The name git sorts an entry by: folders as "name/".
  static std::string git_key(const git_tree_entry* e) {
    std::string key = git_tree_entry_name(e);
    if (git_tree_entry_type(e) == GIT_OBJECT_TREE) key += '/';
    return key;
  }

  // Index of the first entry whose git key sorts after KEY (binary search: git trees are
  // sorted by that key).
  static std::size_t first_after(const Level& level, std::string_view key) {
    std::size_t lo = 0, hi = git_tree_entrycount(level.tree.get());
    while (lo < hi) {
      std::size_t mid = lo + (hi - lo) / 2;
      if (git_key(git_tree_entry_byindex(level.tree.get(), mid)) <= key)
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo;
  }

  // Queues the folder entries that sort after LEVEL.last and before KEY (see the file comment).
  void queue_folders_before(Level& level, const std::string& key) {
    for (std::size_t j = 1; j < key.size(); ++j) {
      if (static_cast<unsigned char>(key[j]) > '/') continue;
      std::string name = key.substr(0, j);
      if (name <= level.last) continue;
      const git_tree_entry* e = git_tree_entry_byname(level.tree.get(), name.c_str());
      if (e == nullptr || git_tree_entry_type(e) != GIT_OBJECT_TREE) continue;
      level.queue.push_back(Item{
          TreeEntry{TreeEntry::Type::directory, level.prefix + name, git::to_hex(git_tree_entry_id(e)), 0, std::nullopt}});
      level.last = name;
    }
  }

  TreeEntry file_entry(const Level& level, const git_tree_entry* e) {
    TreeEntry entry{TreeEntry::Type::file, level.prefix + git_tree_entry_name(e), git::to_hex(git_tree_entry_id(e)), 0,
                    std::nullopt};
    git::describe_blob(repo_, odb_, git_tree_entry_id(e), entry);
    return entry;
  }

  void push_folder(const git_oid* oid, std::string prefix) {
    git_tree* t = nullptr;
    git::check(git_tree_lookup(&t, repo_, oid), "cannot read tree " + prefix);
    levels_.emplace_back(git::Tree(t), std::move(prefix));
  }

  git_repository* repo_;
  git_odb* odb_;
  bool recursive_;
  std::vector<Level> levels_;
};

}  // namespace

TreePage GitRepoStorage::list_tree_page(const RepoId& repo, std::string_view commit, std::string_view path,
                                        bool recursive, std::string_view after, std::size_t limit) const {
  auto r = open(repo);
  auto c = lookup_commit(r.get(), repo, commit);
  std::string prefix = git::join_components(git::path_components(path));
  git::Tree folder = folder_tree(r.get(), c.get(), repo, commit, prefix);
  git_odb* o = nullptr;
  git::check(git_repository_odb(&o, r.get()), "cannot open the object database of " + repo.display());
  git::Odb odb(o);

  OrderedWalk walk(r.get(), o, std::move(folder), prefix, recursive);
  if (!after.empty()) {
    // Every listed path starts with "PREFIX/": a cursor before that range starts at the
    // beginning, one after it leaves nothing.
    std::string start = prefix.empty() ? "" : prefix + "/";
    if (after.substr(0, start.size()) == start)
      walk.seek_after(after.substr(start.size()));
    else if (after > start)
      return {};
  }
  TreePage page;
  while (page.entries.size() < limit) {
    auto entry = walk.next();
    if (!entry) return page;
    page.entries.push_back(std::move(*entry));
  }
  page.more = walk.next().has_value();
  return page;
}

}  // namespace kcpp::server
