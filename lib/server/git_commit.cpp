// Write side of the git backend: repository creation and commits (refs: git_refs.cpp).
//
// A commit is built completely (blobs, trees, commit object) before anything visible
// changes; the only visible step is moving the ref, done with libgit2's compare-and-swap
// (git_reference_create_matching takes the ref's lock file and checks the old value under
// it) under the repository's ref mutex, so readers see either the old head or the new one
// and concurrent writers cannot silently overwrite each other. A pull request's commit
// gets its refs/pr/N only once it is complete: the number is allocated and the ref created
// in one step, so a PR ref never points anywhere but at its own commit.
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

// Repo paths in commits: the same rules as on the wire (repo_path.hpp), checked again here
// because local imports (`kernels-hub commit`) reach storage without the HTTP layer.
const std::string& checked_path(const std::string& path) {
  check_repo_path(path);
  return path;
}

bool object_exists(git_repository* repo, const git_oid* id) {
  git_odb* o = nullptr;
  if (git_repository_odb(&o, repo) != 0) return false;
  git::Odb odb(o);
  return git_odb_exists(o, id) == 1;
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

GitRepoStorage::BuiltCommit GitRepoStorage::build_commit(git_repository* r, const CommitRequest& request) const {
  if (request.message.empty()) throw usage_error("a commit needs a message");
  BuiltCommit out;
  out.has_head = git_reference_name_to_id(&out.head, r, request.ref.c_str()) == 0;
  if (request.parent_commit) {
    std::string expected = *request.parent_commit;
    std::transform(expected.begin(), expected.end(), expected.begin(), ::tolower);
    if (!out.has_head || git::to_hex(&out.head) != expected)
      throw ConflictError("parent commit " + expected + " is not the head of " + request.ref + " (head is " +
                              (out.has_head ? git::to_hex(&out.head) : std::string("absent")) + ")",
                          true);
  }

  git::Commit parent;
  if (out.has_head) {
    git_commit* c = nullptr;
    git::check(git_commit_lookup(&c, r, &out.head), "cannot read the head of " + request.ref);
    parent = git::Commit(c);
  }
  git::Tree base;
  if (out.has_head && !request.replace_tree) {
    git_tree* t = nullptr;
    git::check(git_commit_tree(&t, parent.get()), "cannot read the tree of the head of " + request.ref);
    base = git::Tree(t);
  } else {
    base = empty_tree(r);
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
      if (change->blob_id) {
        if (change->blob_id->size() != GIT_OID_HEXSZ ||
            git_oid_fromstrn(&u.id, change->blob_id->data(), change->blob_id->size()) != 0 ||
            !object_exists(r, &u.id))
          throw Error(ErrorKind::failure, "blob " + *change->blob_id + " for " + path + " is not stored");
      } else {
        git::check(git_blob_create_from_buffer(&u.id, r, change->blob.data(), change->blob.size()),
                   "cannot store blob for " + path);
      }
      puts.push_back(u);
    } else if (tree_has_path(base.get(), path)) {
      u.action = GIT_TREE_UPDATE_REMOVE;
      removals.push_back(u);
    }
  }
  git::Tree after_removals = apply_updates(r, base.get(), removals);
  git::Tree tree = apply_updates(r, after_removals.get(), puts);

  git_signature* s = nullptr;
  git::check(git_signature_now(&s, request.author_name.c_str(), request.author_email.c_str()), "invalid commit author");
  git::Signature sig(s);
  const git_commit* parents[1] = {parent.get()};
  git::check(git_commit_create(&out.oid, r, nullptr, s, s, nullptr, request.message.c_str(), tree.get(),
                               out.has_head ? 1 : 0, parents),
             "cannot write the commit");
  return out;
}

std::string GitRepoStorage::store_blob(const RepoId& repo, std::string_view bytes) {
  auto r = open(repo);
  git_oid oid;
  git::check(git_blob_create_from_buffer(&oid, r.get(), bytes.data(), bytes.size()), "cannot store a blob");
  return git::to_hex(&oid);
}

std::string GitRepoStorage::commit(const RepoId& repo, const CommitRequest& request) {
  require_valid_ref(request.ref, {"refs/heads/", "refs/pr/"});
  auto r = open(repo);
  BuiltCommit built = build_commit(r.get(), request);
  std::lock_guard<std::mutex> lock(ref_locks_.of(repo_path(repo)));
  set_ref_locked(r.get(), repo, request.ref, &built.oid, built.has_head ? &built.head : nullptr, "kernels-hub: commit");
  return git::to_hex(&built.oid);
}

PullRequestCommit GitRepoStorage::commit_pull_request(const RepoId& repo, const CommitRequest& request) {
  require_valid_ref(request.ref, {"refs/heads/", "refs/pr/"});
  auto r = open(repo);
  BuiltCommit built = build_commit(r.get(), request);
  std::lock_guard<std::mutex> lock(ref_locks_.of(repo_path(repo)));
  std::uint64_t number = create_next_pr_locked(r.get(), repo, &built.oid);
  return PullRequestCommit{git::to_hex(&built.oid), number};
}

}  // namespace kcpp::server
