// The Hub's JSON answers parsed on their own (lib/hub/responses): well-formed answers, and
// the malformed ones the fuzzer and the bad-input corpus produced — each a kcpp::Error that
// names the endpoint, never a json::type_error or a crash. Also the Link header scanner
// (it was a std::regex that overflowed the stack on a long header).
#include <catch2/catch.hpp>

#include <string>

#include "core/error.hpp"
#include "hub/http.hpp"
#include "hub/responses.hpp"

using namespace kcpp;
using namespace kcpp::hub;

namespace {

const RepoId kRepo{"org", "relu"};
const std::string kUrl = "http://127.0.0.1:9/api/kernels/org/relu/refs";
const std::string kSha = "0123456789abcdef0123456789abcdef01234567";

// The message of the kcpp::Error(parse) that F throws.
template <typename F>
std::string parse_error(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::parse);
    return e.what();
  } catch (const std::exception& e) {
    FAIL("not a kcpp::Error: " << e.what());
  }
  FAIL("no error");
  return {};
}

}  // namespace

TEST_CASE("refs: well-formed answer", "[hub][responses]") {
  auto refs = parse_refs(R"({"branches": [{"name": "v1", "ref": "refs/heads/v1", "targetCommit": ")" + kSha +
                             R"("}], "tags": [], "converts": []})",
                         "refs of org/relu", kUrl);
  REQUIRE(refs.branches.size() == 1);
  CHECK(refs.branches[0].name == "v1");
  CHECK(refs.branches[0].target_commit == kSha);
  CHECK(refs.tags.empty());
}

TEST_CASE("refs: malformed answers are parse errors naming the endpoint", "[hub][responses]") {
  auto refs = [&](const std::string& body) { return parse_error([&] { parse_refs(body, "refs of org/relu", kUrl); }); };
  CHECK(refs("{") == "the Hub sent malformed JSON for refs of org/relu (" + kUrl + ")");
  CHECK(refs("[]") == "the Hub sent an unexpected answer for refs of org/relu (" + kUrl +
                          "): the answer is an array, not an object");
  CHECK(refs("{}").find("the answer has no `branches`") != std::string::npos);
  CHECK(refs(R"({"branches": {"v1": 1}})").find("`branches` of the answer is an object, not an array") !=
        std::string::npos);
  // Used to escape as "[json.exception.type_error.306] cannot use value() with string".
  CHECK(refs(R"({"branches": ["v1"]})").find("branches[0] is a string, not an object") != std::string::npos);
  CHECK(refs(R"({"branches": [{"name": 1, "targetCommit": ")" + kSha + R"("}]})")
            .find("`name` of branches[0] is an integer, not a string") != std::string::npos);
  // A commit id names a cache directory and goes into kernels.lock: it must be one.
  CHECK(refs(R"({"branches": [{"name": "v1", "targetCommit": "../../etc"}]})")
            .find("`targetCommit` of branches[0] ('../../etc') is not a commit id") != std::string::npos);
  CHECK(refs(R"({"branches": [{"name": "v1"}]})").find("is not a commit id") != std::string::npos);
  CHECK(refs(R"({"branches": [], "tags": 3})").find("`tags` of the answer is an integer, not an array") !=
        std::string::npos);
}

TEST_CASE("tree: entries and malformed pages", "[hub][responses]") {
  auto page = parse_tree_page(R"([{"type": "file", "path": "a", "oid": "x", "size": 3,
      "lfs": {"oid": "e", "size": 3, "pointerSize": 130}, "xetHash": "h"}, {"type": "directory", "path": "d"},
      {"type": "other"}])",
                              "tree of org/relu", kUrl);
  REQUIRE(page.size() == 3);
  CHECK(page[0].kind == TreeEntry::Kind::file);
  CHECK(page[0].size == 3);
  REQUIRE(page[0].lfs);
  CHECK(page[0].lfs->pointer_size == 130);
  CHECK(page[0].xet_hash == std::optional<std::string>("h"));
  CHECK(page[1].kind == TreeEntry::Kind::directory);
  CHECK(page[2].kind == TreeEntry::Kind::unknown);

  auto tree = [&](const std::string& body) {
    return parse_error([&] { parse_tree_page(body, "tree of org/relu", kUrl); });
  };
  CHECK(tree("{}").find("the answer is an object, not an array") != std::string::npos);
  CHECK(tree("[1]").find("entry 0 is an integer, not an object") != std::string::npos);  // was a type_error
  CHECK(tree(R"([{"path": 5}])").find("`path` of entry 0 is an integer, not a string") != std::string::npos);
  // A negative size used to wrap around to 2^64 - 1; a string one was a type_error.
  CHECK(tree(R"([{"path": "a", "size": -1}])").find("`size` of entry 0 is negative, not a non-negative integer") !=
        std::string::npos);
  CHECK(tree(R"([{"path": "a", "size": "3"}])").find("`size` of entry 0 is a string") != std::string::npos);
  CHECK(tree(R"([{"path": "a", "lfs": {"size": 1.5}}])").find("`size` of `lfs` of entry 0 is a number") !=
        std::string::npos);
  CHECK(tree("[\"\xff\"]").find("malformed JSON") != std::string::npos);
}

TEST_CASE("repo info: sha required, wrong types are parse errors", "[hub][responses]") {
  auto info = parse_repo_info(R"({"id": "org/relu", "sha": ")" + kSha + R"(", "private": true, "gated": "auto"})", kRepo,
                              "main", kUrl);
  CHECK(info.sha == kSha);
  CHECK(info.is_private);
  CHECK(info.gated);
  auto bad = [&](const std::string& body) { return parse_error([&] { parse_repo_info(body, kRepo, "v1", kUrl); }); };
  CHECK(bad("[]").find("the answer is an array, not an object") != std::string::npos);  // was a type_error
  CHECK(bad(R"({"sha": 1})").find("`sha` of the answer is an integer, not a string") != std::string::npos);
  CHECK(bad(R"({"sha": ")" + kSha + R"(", "private": "yes"})").find("`private` of the answer is a string") !=
        std::string::npos);
  CHECK(bad(R"({"sha": "main"})") == "the Hub sent no commit sha for org/relu at 'v1'");
}

TEST_CASE("whoami, overview, create-repo and commit answers", "[hub][responses]") {
  auto who = parse_whoami(R"({"name": "me", "orgs": [{"name": "org"}, 3], "auth": {"accessToken": {"role": "write"}}})",
                          "http://h/api/whoami-v2");
  CHECK(who.name == "me");
  CHECK(who.orgs == std::vector<std::string>{"org"});
  CHECK(who.token_role == "write");
  CHECK(parse_error([] { parse_whoami(R"({"name": 1})", "u"); }) == "the Hub's whoami answer has no account name");
  CHECK(parse_publisher_overview(R"({"trustedKernelPublisher": 18446744073709551615})", "org", kUrl));
  // Python truthiness, as kernels checks it: an empty string is False (it used to count as
  // trusted: nlohmann's empty() is false for every string).
  CHECK_FALSE(parse_publisher_overview(R"({"trustedKernelPublisher": ""})", "org", kUrl));
  CHECK(parse_publisher_overview(R"({"trustedKernelPublisher": "yes"})", "org", kUrl));
  CHECK_FALSE(parse_publisher_overview(R"({"trustedKernelPublisher": []})", "org", kUrl));
  CHECK_FALSE(parse_publisher_overview(R"({"trustedKernelPublisher": 0.0})", "org", kUrl));
  CHECK_FALSE(parse_publisher_overview(R"({"trustedKernelPublisher": null})", "org", kUrl));
  CHECK(parse_error([] { parse_publisher_overview("[]", "org", "u"); }) ==
        "the Hub sent no object for organization 'org'");
  CHECK(parse_create_repo(R"({"url": 3})", "fb", false, kUrl) == "fb");
  CHECK(parse_create_repo("oops", "fb", true, kUrl) == "fb");
  CHECK(parse_error([] { parse_create_repo("oops", "fb", false, "u"); }).find("malformed JSON for create repo") !=
        std::string::npos);
  auto c = parse_commit_answer(R"({"commitOid": "abc", "pullRequestUrl": "http://h/discussions/3"})", kRepo);
  CHECK(c.commit_oid == "abc");
  CHECK_FALSE(c.commit_url);
  CHECK(c.pull_request_url == std::optional<std::string>("http://h/discussions/3"));
  CHECK(parse_error([] { parse_commit_answer(R"({"commitOid": 1})", kRepo); }) ==
        "the Hub accepted the commit to org/relu but sent no commit id");
}

TEST_CASE("preupload and LFS batch answers", "[hub][responses]") {
  auto p = parse_preupload(R"({"files": [{"path": "a", "uploadMode": "lfs", "shouldIgnore": true, "oid": "x"},
      {"uploadMode": "regular"}, 7], "commitOid": "c"})",
                           kRepo);
  REQUIRE(p.files.size() == 1);
  CHECK(p.files.at("a").upload_mode == "lfs");
  CHECK(p.files.at("a").should_ignore);
  CHECK(p.commit_oid == std::optional<std::string>("c"));
  // Used to escape as "[json.exception.type_error.302] type must be string, but is number".
  CHECK(parse_error([] { parse_preupload(R"({"files": [{"path": "a", "uploadMode": 1}]})", kRepo); })
            .find("`uploadMode` of 'a' is an integer, not a string") != std::string::npos);

  auto b = parse_lfs_batch(R"({"transfer": "basic", "objects": [{"oid": 5}, "x",
      {"oid": "e", "actions": {"upload": {"href": "https://huggingface.co/up", "header": {"A": "1", "B": 2}}}},
      {"oid": "f", "error": {"code": 403, "message": "no"}}]})",
                           kRepo, "http://127.0.0.1:9");
  REQUIRE(b.objects.size() == 2);  // entries without a string oid are skipped (was a type_error)
  REQUIRE(b.objects[0].upload);
  CHECK(b.objects[0].upload->href == "http://127.0.0.1:9/up");
  CHECK(b.objects[0].upload->header.size() == 1);
  CHECK(b.objects[1].has_error);
  CHECK(b.objects[1].error_code == 403);
  CHECK(parse_error([] { parse_lfs_batch(R"({"objects": [{"oid": "e", "actions": {"upload": {}}}]})", kRepo, "h"); }) ==
        "the LFS batch answer has a 'upload' action without href");
}

TEST_CASE("Link header: next page, and a long header does not overflow the stack", "[hub][responses]") {
  CHECK(parse_link_next(R"(<http://h/p2>; rel="next")") == std::optional<std::string>("http://h/p2"));
  CHECK(parse_link_next(R"(<http://h/p1>; rel="prev", <http://h/p3>; foo=bar; REL = next)") ==
        std::optional<std::string>("http://h/p3"));
  CHECK(parse_link_next("<a>; rel=next").value() == "a");
  CHECK_FALSE(parse_link_next(R"(<http://h/p2>; rel="prev")"));
  CHECK_FALSE(parse_link_next("<unterminated; rel=next"));
  CHECK_FALSE(parse_link_next(""));
  // 200 kB: the std::regex version crashed (SIGSEGV) here.
  const std::string url(200000, 'a');
  CHECK(parse_link_next("<" + url + ">; rel=\"next\"") == std::optional<std::string>(url));
  CHECK_FALSE(parse_link_next("<x>" + std::string(200000, ';')));
}
