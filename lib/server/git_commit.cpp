// Write side of the git backend: repository creation, commits and refs.
//
// A commit is built completely (blobs, trees, commit object) before anything visible
// changes; the only visible step is moving the ref, done with libgit2's compare-and-swap
// (git_reference_create_matching takes the ref's lock file and checks the old value under
// it), so readers see either the old head or the new one and concurrent writers cannot
// silently overwrite each other.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "core/fs.hpp"
#include "server/git_storage.hpp"
#include "server/repo_path.hpp"

namespace kcpp::server {

namespace stdfs = std::filesystem;

namespace {

void require_valid_ref(std::string_view ref, std::initializer_list<std::string_view> allowed_prefixes) {
  std::string r(ref);
  int valid = 0;
  bool prefix_ok = std::any_of(allowed_prefixes.begin(), allowed_prefixes.end(),
                               [&](std::string_view p) { return r.rfind(p, 0) == 0 && r.size() > p.size(); });
  if (prefix_ok && r.rfind("refs/pr/", 0) == 0)
    prefix_ok = std::all_of(r.begin() + 8, r.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!prefix_ok || git_reference_name_is_valid(&valid, r.c_str()) != 0 || !valid)
    throw usage_error("invalid ref name '" + r + "'");
}

// Repo paths in commits: the same rules as on the wire (repo_path.hpp), checked again here
// because local imports (`kernels-hub commit`) reach storage without the HTTP layer.
const std::string& checked_path(const std::string& path) {
  check_repo_path(path);
  return path;
}

git::Tree empty_tree(git_repository* repo) {
  git_treebuilder* b = nullptr;
  git::check(git_treebuilder_new(&b, repo, nullptr), "cannot create a tree builder");
  git::TreeBuilder builder(b);
  git_oid oid;
  git::check(git_treebuilder_write(&oid, b), "cannot write the empty tree");
  git_tree* t = nullptr;
  git::check(git_tree_lookup(&t, repo, &oid), "cannot read the empty tree");
  return git::Tree(t);
}

bool tree_has_path(git_tree* tree, const std::string& path) {
  git_tree_entry* e = nullptr;
  if (git_tree_entry_bypath(&e, tree, path.c_str()) != 0) return false;
  git_tree_entry_free(e);
  return true;
}

// Applies UPDATES to BASE and returns the new tree. libgit2 reports D/F conflicts (a file
// where a folder is needed) as errors: those are the caller's fault, hence usage.
git::Tree apply_updates(git_repository* repo, git_tree* base, const std::vector<git_tree_update>& updates) {
  if (updates.empty()) {
    git_object* dup = nullptr;
    git::check(git_object_dup(&dup, reinterpret_cast<git_object*>(base)), "cannot copy tree");
    return git::Tree(reinterpret_cast<git_tree*>(dup));
  }
  git_oid oid;
  if (git_tree_create_updated(&oid, repo, base, updates.size(), updates.data()) != 0)
    throw usage_error("cannot apply the commit's changes: " + git::last_error());
  git_tree* t = nullptr;
  git::check(git_tree_lookup(&t, repo, &oid), "cannot read the new tree");
  return git::Tree(t);
}

}  // namespace

std::string branch_ref(std::string_view name) {
  static git::Library lib;  // git_reference_name_is_valid needs libgit2 initialised
  if (name.rfind("refs/", 0) == 0)
    throw usage_error("branch name '" + std::string(name) + "' must not start with 'refs/'");
  std::string ref = "refs/heads/" + std::string(name);
  int valid = 0;
  if (name.empty() || git_reference_name_is_valid(&valid, ref.c_str()) != 0 || !valid)
    throw usage_error("invalid branch name '" + std::string(name) + "'");
  return ref;
}

bool GitRepoStorage::create_repo(const RepoId& repo) {
  if (repo_exists(repo)) return false;
  auto final_path = repo_path(repo);
  // Initialise under ROOT/tmp and rename into place, so a half-initialised repository is
  // never visible and two concurrent creators cannot both win.
  auto tmp = root_ / "tmp" / (fs::random_hex(8) + ".git");
  git_repository_init_options opts = GIT_REPOSITORY_INIT_OPTIONS_INIT;
  opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
  opts.initial_head = "main";
  git_repository* r = nullptr;
  git::check(git_repository_init_ext(&r, tmp.c_str(), &opts), "cannot initialise a repository at " + tmp.string());
  git_repository_free(r);

  std::error_code ec;
  stdfs::create_directories(final_path.parent_path(), ec);
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    int err = errno;
    stdfs::remove_all(tmp, ec);
    if (err == EEXIST || err == ENOTEMPTY) return false;  // another creator won
    throw Error(ErrorKind::io, "cannot create " + final_path.string() + ": " + std::strerror(err));
  }
  return true;
}

std::string GitRepoStorage::commit(const RepoId& repo, const CommitRequest& request) {
  require_valid_ref(request.ref, {"refs/heads/", "refs/pr/"});
  if (request.message.empty()) throw usage_error("a commit needs a message");
  auto r = open(repo);

  git_oid head;
  bool has_head = git_reference_name_to_id(&head, r.get(), request.ref.c_str()) == 0;
  if (request.parent_commit) {
    std::string expected = *request.parent_commit;
    std::transform(expected.begin(), expected.end(), expected.begin(), ::tolower);
    if (!has_head || git::to_hex(&head) != expected)
      throw ConflictError("parent commit " + expected + " is not the head of " + request.ref + " (head is " +
                              (has_head ? git::to_hex(&head) : std::string("absent")) + ")",
                          true);
  }

  git::Commit parent;
  if (has_head) {
    git_commit* c = nullptr;
    git::check(git_commit_lookup(&c, r.get(), &head), "cannot read the head of " + request.ref);
    parent = git::Commit(c);
  }
  git::Tree base;
  if (has_head && !request.replace_tree) {
    git_tree* t = nullptr;
    git::check(git_commit_tree(&t, parent.get()), "cannot read the tree of the head of " + request.ref);
    base = git::Tree(t);
  } else {
    base = empty_tree(r.get());
  }

  // The last change to a path wins; removals are applied before puts, so a put below a
  // removed folder recreates it. Removing a missing path is not an error.
  std::map<std::string, const FileChange*> last;
  for (const auto& change : request.changes) last[checked_path(change.path)] = &change;

  std::vector<git_tree_update> removals, puts;
  for (const auto& [path, change] : last) {
    git_tree_update u{};
    u.path = path.c_str();  // the map outlives the updates
    if (change->kind == FileChange::Kind::put) {
      u.action = GIT_TREE_UPDATE_UPSERT;
      u.filemode = GIT_FILEMODE_BLOB;
      git::check(git_blob_create_from_buffer(&u.id, r.get(), change->blob.data(), change->blob.size()),
                 "cannot store blob for " + path);
      puts.push_back(u);
    } else if (tree_has_path(base.get(), path)) {
      u.action = GIT_TREE_UPDATE_REMOVE;
      removals.push_back(u);
    }
  }
  git::Tree after_removals = apply_updates(r.get(), base.get(), removals);
  git::Tree tree = apply_updates(r.get(), after_removals.get(), puts);

  git_signature* s = nullptr;
  git::check(git_signature_now(&s, request.author_name.c_str(), request.author_email.c_str()), "invalid commit author");
  git::Signature sig(s);
  const git_commit* parents[1] = {parent.get()};
  git_oid commit_oid;
  git::check(git_commit_create(&commit_oid, r.get(), nullptr, s, s, nullptr, request.message.c_str(), tree.get(),
                               has_head ? 1 : 0, parents),
             "cannot write the commit");

  git_reference* out = nullptr;
  int rc = git_reference_create_matching(&out, r.get(), request.ref.c_str(), &commit_oid, has_head ? 1 : 0,
                                         has_head ? &head : nullptr, "kernels-hub: commit");
  if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS || rc == GIT_ELOCKED)
    throw ConflictError(request.ref + " of " + repo.display() + " moved while committing; retry", false);
  git::check(rc, "cannot update " + request.ref);
  git_reference_free(out);
  return git::to_hex(&commit_oid);
}

void GitRepoStorage::create_ref(const RepoId& repo, std::string_view ref, std::string_view commit) {
  require_valid_ref(ref, {"refs/heads/", "refs/tags/", "refs/pr/"});
  auto r = open(repo);
  auto c = lookup_commit(r.get(), repo, commit);
  git_reference* out = nullptr;
  int rc = git_reference_create(&out, r.get(), std::string(ref).c_str(), git_commit_id(c.get()), 0,
                                "kernels-hub: create ref");
  if (rc == GIT_EEXISTS || rc == GIT_ELOCKED)
    throw ConflictError(std::string(ref) + " already exists in " + repo.display(), false);
  git::check(rc, "cannot create " + std::string(ref));
  git_reference_free(out);
}

void GitRepoStorage::delete_ref(const RepoId& repo, std::string_view ref) {
  require_valid_ref(ref, {"refs/heads/", "refs/tags/", "refs/pr/"});
  auto r = open(repo);
  git_reference* out = nullptr;
  std::string name(ref);
  int rc = git_reference_lookup(&out, r.get(), name.c_str());
  if (rc == GIT_ENOTFOUND) throw Error(ErrorKind::revision_not_found, name + " does not exist in " + repo.display());
  git::check(rc, "cannot read " + name);
  rc = git_reference_delete(out);
  git_reference_free(out);
  git::check(rc, "cannot delete " + name);
}

}  // namespace kcpp::server
