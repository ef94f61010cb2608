#include "repo/revision.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "repo/version_branches.hpp"
#include "core/strings.hpp"

namespace kcpp::repo {

namespace {

}  // namespace

ResolvedRevision resolve(const hub::HubClient& client, const hub::RepoId& repo, const KernelSelector& selector,
                         std::string hint) {
  if (selector.version && selector.revision)
    throw usage_error("Only one of --revision or --version can be specified")
        .hint("--revision names a branch, tag or commit; --version N means branch vN");
  ResolvedRevision r;
  try {
    if (selector.revision) {
      r.revision = *selector.revision;
      r.commit = is_commit_id(r.revision) ? strings::ascii_lower(r.revision)
                                          : client.repo_info(hub::RepoType::kernel, repo, r.revision).sha;
      if (!is_commit_id(r.revision)) r.branch_version = parse_version_branch(r.revision);
      return r;
    }
    const auto available = kernel_versions(client.list_refs(hub::RepoType::kernel, repo).branches);
    const KernelVersion* chosen = nullptr;
    if (selector.version) {
      chosen = find_version(available, *selector.version);
      if (!chosen)
        throw version_not_found(*selector.version, available, "", std::move(hint),
                                "the repository has no v{N} branches; pass --revision");
    } else if (!available.empty()) {
      chosen = &available.back();
    }
    if (chosen) {
      r.revision = chosen->ref.name;
      r.commit = chosen->ref.target_commit;
      r.branch_version = chosen->number;
    } else {
      r.revision = "main";
      r.commit = client.repo_info(hub::RepoType::kernel, repo, "main").sha;
    }
  } catch (const Error& e) {
    rethrow_missing_kernel_repo(e, client, repo);
  }
  return r;
}

}  // namespace kcpp::repo
