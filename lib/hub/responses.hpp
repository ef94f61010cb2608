#pragma once
// The JSON answers of the Hub API, parsed without any I/O (docs/hub-api.md E1–E3, E9, E10,
// E12–E14), so that they can be tested and fuzzed on their own (test/fuzz/hub_json_fuzz.cpp).
// HubClient sends the requests and hands the bodies here.
//
// Every function throws only kcpp::Error: parse (malformed JSON, a value of the wrong type,
// a missing required member), with a message that names the endpoint; parse_lfs_batch also
// throws http for a multipart upload offer. Members the tools do not read are ignored;
// optional members that are absent take their defaults.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/types.hpp"
#include "hub/write.hpp"

namespace kcpp::hub {

// E1 GET /api/{type}s/{repo}/refs: {"branches": [...], "tags"?: [...], "pullRequests"?: [...]},
// each ref {"name": str, "ref": str, "targetCommit": 40 or 64 hex}. WHAT names the
// answer in messages ("refs of org/name"), URL the request.
Refs parse_refs(std::string_view body, const std::string& what, const std::string& url);

// E2 one page of GET …/tree/{rev}/{path}: an array of {"type", "path", "oid", "size",
// "lfs"?: {"oid", "size", "pointerSize"}, "xetHash"?}.
std::vector<TreeEntry> parse_tree_page(std::string_view body, const std::string& what, const std::string& url);

// E3 GET …/revision/{rev}: {"id"?, "sha": 40 hex, "private"?, "gated"?: false | "auto" | …}.
// REPO and REVISION are for the default id and the message when `sha` is not a commit.
RepoInfo parse_repo_info(std::string_view body, const RepoId& repo, const std::string& revision,
                         const std::string& url);

// E13 GET /api/whoami-v2: {"name", "type"?, "orgs"?: [{"name"}], "auth"?: {"accessToken": {"role"}}}.
WhoAmI parse_whoami(std::string_view body, const std::string& url);

// E14 GET /api/organizations/{org}/overview: `trustedKernelPublisher` with Python truthiness.
bool parse_publisher_overview(std::string_view body, const std::string& org, const std::string& url);

// E6 POST /api/repos/create (and its 409 body): the repository URL, FALLBACK when absent.
// With LENIENT (the 409 answer) a body that is not a JSON object also gives FALLBACK.
std::string parse_create_repo(std::string_view body, const std::string& fallback, bool lenient,
                              const std::string& url);

// E9 POST …/preupload/{rev}: {"files": [{"path", "uploadMode": "lfs"|"regular", "shouldIgnore"?, "oid"?}],
// "commitOid"?}. Entries without a string path are skipped; the last entry of a path wins.
struct PreuploadFile {
  std::string upload_mode;  // as sent: "lfs", "regular" (anything else is refused by the caller)
  bool should_ignore = false;
  std::optional<std::string> oid;
};
struct PreuploadAnswer {
  std::map<std::string, PreuploadFile> files;
  std::optional<std::string> commit_oid;
};
PreuploadAnswer parse_preupload(std::string_view body, const RepoId& repo);

// E10 POST {repo}.git/info/lfs/objects/batch: {"transfer"?, "objects": [{"oid", "size",
// "error"?: {"code", "message"}, "actions"?: {"upload"?: {"href", "header"?}, "verify"?: …}}]}.
// Hrefs are rewritten onto ENDPOINT where they point at the Hub (rewrite_hub_href).
// Objects without a string oid are skipped (the caller reports what was not answered).
struct LfsBatchAction {
  std::string href;
  std::vector<std::pair<std::string, std::string>> header;
};
struct LfsBatchObject {
  std::string oid;
  bool has_error = false;
  long error_code = 0;             // 0 when absent or not an integer
  std::string error_message;       // "no message" when absent
  std::optional<LfsBatchAction> upload, verify;
};
struct LfsBatchAnswer {
  std::optional<std::string> transfer;
  std::vector<LfsBatchObject> objects;
};
LfsBatchAnswer parse_lfs_batch(std::string_view body, const RepoId& repo, const std::string& endpoint);

// E12 POST …/commit/{rev}: {"commitOid", "commitUrl"?, "pullRequestUrl"?}.
struct CommitAnswer {
  std::string commit_oid;
  std::optional<std::string> commit_url;
  std::optional<std::string> pull_request_url;
};
CommitAnswer parse_commit_answer(std::string_view body, const RepoId& repo);

}  // namespace kcpp::hub
