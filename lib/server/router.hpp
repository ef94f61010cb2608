#pragma once
// Maps a request path (already split into percent-decoded segments) to a Hub route.
//
//   /api/whoami-v2                                  whoami
//   /api/organizations/{org}/overview               org_overview (publisher trust, E14)
//   /api/{T}/{ns}/{name}                            repo_info (revision: none → main)
//   /api/{T}/{ns}/{name}/revision/{rev}             repo_info
//   /api/{T}/{ns}/{name}/refs                       repo_refs
//   /api/{T}/{ns}/{name}/tree/{rev}[/{path...}]     repo_tree
//   /kernels/{ns}/{name}/resolve/{rev}/{path...}    resolve (kernel)
//   /{ns}/{name}/resolve/{rev}/{path...}            resolve (model)
//   /lfs-objects/{sha256}                           lfs_object (the target of LFS redirects;
//                                                   PUT = basic-transfer upload)
// Write API (POST unless noted; see routes_write.cpp):
//   /api/repos/create                               create_repo (E6)
//   /api/validate-yaml                              validate_yaml (README metadata check; accepts all)
//   /api/{T}/{ns}/{name}/commit/{rev}               repo_commit (E12)
//   /api/{T}/{ns}/{name}/preupload/{rev}            repo_preupload (E9)
//   /api/{T}/{ns}/{name}/branch/{branch}            repo_branch (E7, POST and DELETE)
//   [kernels/]{ns}/{name}.git/info/lfs/objects/batch   lfs_batch (E10)
//   [kernels/]{ns}/{name}.git/info/lfs/objects/verify  lfs_verify (E10)
//
// {T} is `kernels` or `models`. {rev} is one segment, normally percent-encoded
// ("refs%2Fheads%2Fv1"); an unencoded "refs/heads/X", "refs/tags/X", "refs/pr/N" or
// "refs/convert/X" spread over three segments is accepted too. A folder path may arrive as
// several segments or as one encoded segment ("build%2Ftorch-cuda"); both give the same path.
#include <optional>
#include <string>
#include <vector>

#include "server/repo_id.hpp"

namespace kcpp::server {

struct Route {
  enum class Kind {
    unknown, whoami, org_overview, repo_info, repo_refs, repo_tree, resolve, lfs_object,
    // write API
    create_repo, validate_yaml, repo_commit, repo_preupload, repo_branch, lfs_batch, lfs_verify
  };
  Kind kind = Kind::unknown;
  RepoType type = RepoType::model;
  std::string repo_id;                  // "ns/name" as sent; not validated yet (handlers answer 400)
  std::optional<std::string> revision;  // decoded; nullopt when the URL names none
  std::string path;                     // decoded, '/'-joined; "" for the root
  std::string oid;                      // lfs_object
};

Route match_route(const std::vector<std::string>& segments);

}  // namespace kcpp::server
