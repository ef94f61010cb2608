// Revision resolution for the git backend: what the Hub accepts in `{rev}` path segments.
#include <algorithm>

#include "server/git_storage.hpp"

namespace kcpp::server {

namespace {

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); });
}

// Looks up REF (a full ref name) and peels it to a commit; null when absent or invalid.
git::Object peel_ref(git_repository* repo, const std::string& ref) {
  int valid = 0;
  if (git_reference_name_is_valid(&valid, ref.c_str()) != 0 || !valid) return nullptr;
  git_reference* r = nullptr;
  if (git_reference_lookup(&r, repo, ref.c_str()) != 0) return nullptr;
  git::Reference owned(r);
  git_object* obj = nullptr;
  if (git_reference_peel(&obj, r, GIT_OBJECT_COMMIT) != 0) return nullptr;
  return git::Object(obj);
}

}  // namespace

CommitInfo GitRepoStorage::resolve_revision(const RepoId& repo, std::string_view revision) const {
  auto r = open(repo);
  std::string rev(revision);
  auto not_found = [&](std::string why) {
    return Error(ErrorKind::revision_not_found, "Invalid rev id: " + rev + " (" + why + ")");
  };
  if (rev.empty() || rev.find('\0') != std::string::npos) throw not_found("empty or malformed revision");

  git::Object target;
  // A full commit id first: that is what clients send once they have resolved a branch,
  // and what `huggingface_hub` recognises as "already a commit".
  if (rev.size() == GIT_OID_HEXSZ && is_hex(rev)) {
    git_oid oid;
    git_object* obj = nullptr;
    if (git_oid_fromstrn(&oid, rev.data(), rev.size()) == 0 &&
        git_object_lookup(&obj, r.get(), &oid, GIT_OBJECT_ANY) == 0)
      target = git::Object(obj);
  }
  if (!target) {
    if (rev.rfind("refs/", 0) == 0) {
      target = peel_ref(r.get(), rev);
    } else {
      target = peel_ref(r.get(), "refs/heads/" + rev);
      if (!target) target = peel_ref(r.get(), "refs/tags/" + rev);
    }
  }
  if (!target && rev.size() >= 7 && rev.size() < GIT_OID_HEXSZ && is_hex(rev)) {
    git_oid oid;
    git_object* obj = nullptr;
    if (git_oid_fromstrn(&oid, rev.data(), rev.size()) == 0) {
      int rc = git_object_lookup_prefix(&obj, r.get(), &oid, rev.size(), GIT_OBJECT_ANY);
      if (rc == GIT_EAMBIGUOUS) throw not_found("ambiguous commit prefix, use more digits");
      if (rc == 0) target = git::Object(obj);
    }
  }
  if (!target) throw not_found("no branch, tag or commit of that name in " + repo.display());

  git_object* peeled = nullptr;
  if (git_object_peel(&peeled, target.get(), GIT_OBJECT_COMMIT) != 0) throw not_found("not a commit");
  git::Object commit_obj(peeled);
  auto* commit = reinterpret_cast<const git_commit*>(peeled);
  return CommitInfo{git::to_hex(git_commit_id(commit)), static_cast<std::int64_t>(git_commit_time(commit))};
}

}  // namespace kcpp::server
