// Refs of the git backend: their names, and every creation, move and deletion of one.
//
// libgit2 writes a ref through a lock file, but decides whether a new ref already exists
// before it takes that lock (refdb_fs: reference_path_available, then loose_lock), so two
// creators of the same new ref could both succeed, the second silently replacing the first:
// two 200s for one POST branch/X, two create_pr commits on one refs/pr/N. Every ref change
// of a repository therefore runs under that repository's mutex (RefLocks), where "does it
// exist, does it collide with another ref, which PR number is next" and the write form one
// step. Moving an existing ref stays a compare-and-swap under libgit2's lock file, which
// also guards against another process (`kernels-hub commit` beside a server).
#include <algorithm>
#include <charconv>

#include "server/git_storage.hpp"

namespace kcpp::server {

namespace {

bool has_prefix(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// NAME with its "refs/pr/" number, or nullopt when it is not a PR ref with a sane number.
std::optional<std::uint64_t> pr_number(std::string_view name) {
  if (!has_prefix(name, "refs/pr/")) return std::nullopt;
  auto digits = name.substr(8);
  std::uint64_t n = 0;
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return n;
}

// Every ref name of REPO (loose and packed).
std::vector<std::string> ref_names(git_repository* repo) {
  git_reference_iterator* it = nullptr;
  git::check(git_reference_iterator_new(&it, repo), "cannot list refs");
  git::RefIterator iter(it);
  std::vector<std::string> out;
  const char* name = nullptr;
  while (git_reference_next_name(&name, it) == 0) out.emplace_back(name);
  return out;
}

// A ref is a file under refs/: "a/b" cannot exist beside "a" (a file where a folder is
// needed), and git refuses such pairs too. Returns the existing ref REF collides with.
std::optional<std::string> colliding_ref(git_repository* repo, const std::string& ref) {
  for (const auto& existing : ref_names(repo))
    if (has_prefix(existing, ref + "/") || has_prefix(ref, existing + "/")) return existing;
  return std::nullopt;
}

bool ref_exists(git_repository* repo, const std::string& ref) {
  git_oid oid;
  return git_reference_name_to_id(&oid, repo, ref.c_str()) == 0;
}

void check_no_collision(git_repository* repo, const std::string& ref) {
  if (auto other = colliding_ref(repo, ref))
    throw usage_error("ref name '" + ref + "' collides with the existing ref '" + *other + "'")
        .hint("a ref cannot be both a name and a folder of other refs (like 'main' and 'main/x')");
}

}  // namespace

std::mutex& RefLocks::of(const std::filesystem::path& repo_dir) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = locks_[repo_dir.string()];
  if (!slot) slot = std::make_unique<std::mutex>();
  return *slot;
}

void require_valid_ref(std::string_view ref, std::initializer_list<std::string_view> allowed_prefixes) {
  std::string r(ref);
  int valid = 0;
  bool prefix_ok = std::any_of(allowed_prefixes.begin(), allowed_prefixes.end(),
                               [&](std::string_view p) { return has_prefix(r, p) && r.size() > p.size(); });
  if (prefix_ok && has_prefix(r, "refs/pr/")) prefix_ok = pr_number(r).has_value();
  if (r.size() > kMaxRefNameBytes)
    throw usage_error("ref name longer than " + std::to_string(kMaxRefNameBytes) + " bytes");
  if (!prefix_ok || git_reference_name_is_valid(&valid, r.c_str()) != 0 || !valid)
    throw usage_error("invalid ref name '" + r + "'");
}

std::string branch_ref(std::string_view name) {
  static git::Library lib;  // git_reference_name_is_valid needs libgit2 initialised
  if (has_prefix(name, "refs/")) throw usage_error("branch name '" + std::string(name) + "' must not start with 'refs/'");
  std::string ref = "refs/heads/" + std::string(name);
  if (ref.size() > kMaxRefNameBytes)
    throw usage_error("branch name longer than " + std::to_string(kMaxRefNameBytes - 11) + " bytes");
  int valid = 0;
  if (name.empty() || git_reference_name_is_valid(&valid, ref.c_str()) != 0 || !valid)
    throw usage_error("invalid branch name '" + std::string(name) + "'");
  return ref;
}

void GitRepoStorage::set_ref_locked(git_repository* repo, const RepoId& id, const std::string& ref,
                                    const git_oid* target, const git_oid* expected_head, const char* why) {
  git_reference* out = nullptr;
  int rc = 0;
  if (expected_head != nullptr) {
    rc = git_reference_create_matching(&out, repo, ref.c_str(), target, 1, expected_head, why);
    if (rc == GIT_EMODIFIED || rc == GIT_ENOTFOUND || rc == GIT_ELOCKED)
      throw ConflictError(ref + " of " + id.display() + " moved while it was being written; retry", false);
  } else {
    if (ref_exists(repo, ref)) throw ConflictError(ref + " already exists in " + id.display(), false);
    check_no_collision(repo, ref);
    rc = git_reference_create(&out, repo, ref.c_str(), target, 0, why);
    if (rc == GIT_EEXISTS || rc == GIT_ELOCKED)  // another process, between the check and the write
      throw ConflictError(ref + " already exists in " + id.display(), false);
  }
  git::check(rc, "cannot write " + ref);
  git_reference_free(out);
}

std::uint64_t GitRepoStorage::create_next_pr_locked(git_repository* repo, const RepoId& id, const git_oid* target) {
  std::uint64_t last = 0;
  for (const auto& name : ref_names(repo))
    if (auto n = pr_number(name)) last = std::max(last, *n);
  // Under the repository's mutex the next number is free, unless another process took it.
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::uint64_t n = last + 1 + static_cast<std::uint64_t>(attempt);
    try {
      set_ref_locked(repo, id, "refs/pr/" + std::to_string(n), target, nullptr, "kernels-hub: create pull request");
      return n;
    } catch (const ConflictError&) {
    }
  }
  throw ConflictError("no free pull-request number in " + id.display() + "; retry", false);
}

void GitRepoStorage::create_ref(const RepoId& repo, std::string_view ref, std::string_view commit) {
  require_valid_ref(ref, {"refs/heads/", "refs/tags/", "refs/pr/"});
  auto r = open(repo);
  auto c = lookup_commit(r.get(), repo, commit);
  std::lock_guard<std::mutex> lock(ref_locks_.of(repo_path(repo)));
  set_ref_locked(r.get(), repo, std::string(ref), git_commit_id(c.get()), nullptr, "kernels-hub: create ref");
}

void GitRepoStorage::move_ref(const RepoId& repo, std::string_view ref, std::string_view commit) {
  require_valid_ref(ref, {"refs/heads/", "refs/tags/", "refs/pr/"});
  auto r = open(repo);
  auto c = lookup_commit(r.get(), repo, commit);
  std::string name(ref);
  std::lock_guard<std::mutex> lock(ref_locks_.of(repo_path(repo)));
  git_oid head;
  if (git_reference_name_to_id(&head, r.get(), name.c_str()) == 0) {
    // One write (lock file, then rename over the old value): readers see the old or the new
    // commit, never a missing ref.
    set_ref_locked(r.get(), repo, name, git_commit_id(c.get()), &head, "kernels-hub: move ref");
  } else {
    set_ref_locked(r.get(), repo, name, git_commit_id(c.get()), nullptr, "kernels-hub: create ref");
  }
}

void GitRepoStorage::delete_ref(const RepoId& repo, std::string_view ref) {
  require_valid_ref(ref, {"refs/heads/", "refs/tags/", "refs/pr/"});
  auto r = open(repo);
  std::string name(ref);
  std::lock_guard<std::mutex> lock(ref_locks_.of(repo_path(repo)));
  git_reference* out = nullptr;
  int rc = git_reference_lookup(&out, r.get(), name.c_str());
  if (rc == GIT_ENOTFOUND) throw Error(ErrorKind::revision_not_found, name + " does not exist in " + repo.display());
  git::check(rc, "cannot read " + name);
  rc = git_reference_delete(out);
  git_reference_free(out);
  git::check(rc, "cannot delete " + name);
}

}  // namespace kcpp::server
