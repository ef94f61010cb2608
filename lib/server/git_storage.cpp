// Read side of the git backend: repository layout, refs, trees and blobs.
#include "server/git_storage.hpp"

#include <algorithm>

#include "server/lfs_pointer.hpp"

namespace kcpp::server {

namespace stdfs = std::filesystem;

namespace git {

std::vector<std::string> path_components(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    auto slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    auto part = path.substr(pos, slash - pos);
    if (part == "." || part == "..")
      throw Error(ErrorKind::entry_not_found, "path '" + std::string(path) + "' contains '.' or '..'");
    if (!part.empty()) parts.emplace_back(part);
    pos = slash + 1;
  }
  return parts;
}

// Fills SIZE and LFS for a blob without loading large contents: only blobs small enough to
// be pointers are read.
void describe_blob(git_repository* repo, git_odb* odb, const git_oid* oid, server::TreeEntry& entry) {
  std::size_t len = 0;
  git_object_t type = GIT_OBJECT_INVALID;
  git::check(git_odb_read_header(&len, &type, odb, oid), "cannot read object " + git::to_hex(oid));
  entry.size = len;
  if (len == 0 || len > kMaxPointerSize) return;
  git_blob* b = nullptr;
  git::check(git_blob_lookup(&b, repo, oid), "cannot read blob " + git::to_hex(oid));
  git::Blob blob(b);
  std::string_view content(static_cast<const char*>(git_blob_rawcontent(b)),
                           static_cast<std::size_t>(git_blob_rawsize(b)));
  if (auto pointer = parse_lfs_pointer(content)) {
    entry.size = pointer->size;
    entry.lfs = LfsInfo{pointer->oid, pointer->size, len};
  }
}

std::string join_components(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

}  // namespace git

std::unique_ptr<RepoStorage> open_local_storage(const stdfs::path& root) {
  return std::make_unique<GitRepoStorage>(root);
}

GitRepoStorage::GitRepoStorage(stdfs::path root) : root_(std::move(root)), lfs_(root_ / "lfs") {
  std::error_code ec;
  for (auto sub : {"repos/kernels", "repos/models", "lfs/objects", "tmp"}) {
    stdfs::create_directories(root_ / sub, ec);
    if (ec) throw Error(ErrorKind::io, "cannot create " + (root_ / sub).string() + ": " + ec.message());
  }
}

stdfs::path GitRepoStorage::repo_path(const RepoId& repo) const {
  // Safe by construction: RepoId parts match [A-Za-z0-9_.-]+ without '..' (see repo_id.hpp).
  return root_ / "repos" / std::string(api_segment(repo.type())) / repo.ns() / (repo.name() + ".git");
}

bool GitRepoStorage::repo_exists(const RepoId& repo) const {
  std::error_code ec;
  return stdfs::is_regular_file(repo_path(repo) / "HEAD", ec);
}

git::Repository GitRepoStorage::open(const RepoId& repo) const {
  if (!repo_exists(repo)) throw Error(ErrorKind::repo_not_found, "repository " + repo.display() + " does not exist");
  git_repository* r = nullptr;
  git::check(git_repository_open_bare(&r, repo_path(repo).c_str()), "cannot open " + repo_path(repo).string());
  return git::Repository(r);
}

git::Commit GitRepoStorage::lookup_commit(git_repository* repo, const RepoId& id, std::string_view sha) const {
  git_oid oid;
  git_commit* c = nullptr;
  if (sha.size() != GIT_OID_HEXSZ || git_oid_fromstrn(&oid, sha.data(), sha.size()) != 0 ||
      git_commit_lookup(&c, repo, &oid) != 0)
    throw Error(ErrorKind::revision_not_found, "Invalid rev id: " + std::string(sha));
  return git::Commit(c);
}

RefListing GitRepoStorage::list_refs(const RepoId& repo) const {
  auto r = open(repo);
  git_reference_iterator* it = nullptr;
  git::check(git_reference_iterator_new(&it, r.get()), "cannot list refs of " + repo.display());
  git::RefIterator iter(it);
  RefListing out;
  git_reference* raw = nullptr;
  while (git_reference_next(&raw, iter.get()) == 0) {
    git::Reference ref(raw);
    std::string name = git_reference_name(raw);
    git_object* obj = nullptr;
    if (git_reference_peel(&obj, raw, GIT_OBJECT_COMMIT) != 0) continue;  // e.g. a tag of a tree
    git::Object commit(obj);
    std::string target = git::to_hex(git_object_id(obj));
    auto starts = [&](std::string_view p) { return name.rfind(p, 0) == 0; };
    if (starts("refs/heads/")) {
      out.branches.push_back({name.substr(11), name, target});
    } else if (starts("refs/tags/")) {
      out.tags.push_back({name.substr(10), name, target});
    } else if (starts("refs/pr/")) {
      auto num = name.substr(8);
      if (!num.empty() && std::all_of(num.begin(), num.end(), [](char c) { return c >= '0' && c <= '9'; }))
        out.pull_requests.push_back({num, name, target});
    }
  }
  auto by_ref = [](const GitRef& a, const GitRef& b) { return a.ref < b.ref; };
  std::sort(out.branches.begin(), out.branches.end(), by_ref);
  std::sort(out.tags.begin(), out.tags.end(), by_ref);
  // Numeric order for PRs ("refs/pr/10" after "refs/pr/9").
  std::sort(out.pull_requests.begin(), out.pull_requests.end(), [](const GitRef& a, const GitRef& b) {
    return a.name.size() != b.name.size() ? a.name.size() < b.name.size() : a.name < b.name;
  });
  return out;
}

namespace {

void collect(git_repository* repo, git_odb* odb, const git_tree* tree, const std::string& prefix, bool recursive,
             std::vector<TreeEntry>& out) {
  std::size_t n = git_tree_entrycount(tree);
  for (std::size_t i = 0; i < n; ++i) {
    const git_tree_entry* e = git_tree_entry_byindex(tree, i);
    std::string path = prefix.empty() ? git_tree_entry_name(e) : prefix + "/" + git_tree_entry_name(e);
    const git_oid* oid = git_tree_entry_id(e);
    switch (git_tree_entry_type(e)) {
      case GIT_OBJECT_TREE: {
        out.push_back({TreeEntry::Type::directory, path, git::to_hex(oid), 0, std::nullopt});
        if (recursive) {
          git_tree* sub = nullptr;
          git::check(git_tree_lookup(&sub, repo, oid), "cannot read tree " + path);
          git::Tree subtree(sub);
          collect(repo, odb, sub, path, true, out);
        }
        break;
      }
      case GIT_OBJECT_BLOB: {
        TreeEntry entry{TreeEntry::Type::file, path, git::to_hex(oid), 0, std::nullopt};
        git::describe_blob(repo, odb, oid, entry);
        out.push_back(std::move(entry));
        break;
      }
      default:
        break;  // submodules (commit entries) have no content here
    }
  }
}

}  // namespace

git::Tree GitRepoStorage::folder_tree(git_repository* r, const git_commit* c, const RepoId& repo,
                                      std::string_view commit, const std::string& prefix) const {
  git_tree* t = nullptr;
  git::check(git_commit_tree(&t, c), "cannot read the tree of " + std::string(commit));
  git::Tree dir(t);
  if (prefix.empty()) return dir;
  git_tree_entry* e = nullptr;
  if (git_tree_entry_bypath(&e, dir.get(), prefix.c_str()) != 0)
    throw Error(ErrorKind::entry_not_found,
                "folder '" + prefix + "' not found in " + repo.display() + " at " + std::string(commit));
  git::TreeEntry entry(e);
  if (git_tree_entry_type(e) != GIT_OBJECT_TREE)
    throw Error(ErrorKind::entry_not_found,
                "'" + prefix + "' is a file, not a folder, in " + repo.display() + " at " + std::string(commit));
  git::check(git_tree_lookup(&t, r, git_tree_entry_id(e)), "cannot read tree " + prefix);
  return git::Tree(t);
}

std::vector<TreeEntry> GitRepoStorage::list_tree(const RepoId& repo, std::string_view commit, std::string_view path,
                                                 bool recursive) const {
  auto r = open(repo);
  auto c = lookup_commit(r.get(), repo, commit);
  std::string prefix = git::join_components(git::path_components(path));
  git::Tree dir = folder_tree(r.get(), c.get(), repo, commit, prefix);
  git_odb* o = nullptr;
  git::check(git_repository_odb(&o, r.get()), "cannot open the object database of " + repo.display());
  git::Odb odb(o);
  std::vector<TreeEntry> out;
  collect(r.get(), o, dir.get(), prefix, recursive, out);
  std::sort(out.begin(), out.end(), [](const TreeEntry& a, const TreeEntry& b) { return a.path < b.path; });
  return out;
}

FileBlob GitRepoStorage::read_file(const RepoId& repo, std::string_view commit, std::string_view path) const {
  auto r = open(repo);
  auto c = lookup_commit(r.get(), repo, commit);
  std::string clean = git::join_components(git::path_components(path));
  auto missing = [&] {
    return Error(ErrorKind::entry_not_found,
                 "file '" + clean + "' not found in " + repo.display() + " at " + std::string(commit));
  };
  if (clean.empty()) throw missing();
  git_tree* t = nullptr;
  git::check(git_commit_tree(&t, c.get()), "cannot read the tree of " + std::string(commit));
  git::Tree tree(t);
  git_tree_entry* e = nullptr;
  if (git_tree_entry_bypath(&e, t, clean.c_str()) != 0) throw missing();
  git::TreeEntry entry(e);
  if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) throw missing();
  git_blob* b = nullptr;
  git::check(git_blob_lookup(&b, r.get(), git_tree_entry_id(e)), "cannot read blob for " + clean);
  git::Blob blob(b);
  FileBlob out;
  out.blob.assign(static_cast<const char*>(git_blob_rawcontent(b)), static_cast<std::size_t>(git_blob_rawsize(b)));
  out.entry = {TreeEntry::Type::file, clean, git::to_hex(git_tree_entry_id(e)), out.blob.size(), std::nullopt};
  if (auto pointer = parse_lfs_pointer(out.blob)) {
    out.entry.size = pointer->size;
    out.entry.lfs = LfsInfo{pointer->oid, pointer->size, out.blob.size()};
  }
  return out;
}

}  // namespace kcpp::server
