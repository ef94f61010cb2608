// Pure pieces of the write API: NDJSON lines (checked against kernels-hub's own parser),
// base64, path checks, href rewriting, PR numbers, write error mapping (tag [write]).
#include <catch2/catch.hpp>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "hub/commit_payload.hpp"
#include "hub/errors.hpp"
#include "hub/http.hpp"
#include "hub/local_files.hpp"
#include "server/commit_ndjson.hpp"

using namespace kcpp;
using namespace kcpp::hub;

TEST_CASE("base64 follows RFC 4648 and round-trips binary", "[write]") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foob") == "Zm9vYg==");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  CHECK(base64_decode(base64_encode(all)) == all);
}

TEST_CASE("NDJSON commit lines have huggingface_hub's shape", "[write]") {
  CHECK(ndjson_header("Upload", "", std::nullopt) ==
        R"({"key":"header","value":{"summary":"Upload","description":""}})"
        "\n");
  CHECK(ndjson_header("s", "d", std::string(40, 'a')) ==
        R"({"key":"header","value":{"summary":"s","description":"d","parentCommit":")" + std::string(40, 'a') +
            "\"}}\n");
  CHECK(ndjson_file("README.md", "# hi\n") ==
        R"({"key":"file","value":{"content":"IyBoaQo=","path":"README.md","encoding":"base64"}})"
        "\n");
  CHECK(ndjson_lfs_file("a/b.so", std::string(64, 'c'), 1048576) ==
        R"({"key":"lfsFile","value":{"path":"a/b.so","algo":"sha256","oid":")" + std::string(64, 'c') +
            R"(","size":1048576}})"
            "\n");
  CHECK(ndjson_deleted_file("x.py") == R"({"key":"deletedFile","value":{"path":"x.py"}})"
                                       "\n");
  CHECK(ndjson_deleted_folder("build/old") == R"({"key":"deletedFolder","value":{"path":"build/old"}})"
                                              "\n");
}

TEST_CASE("a built payload parses back with kernels-hub's commit parser", "[write]") {
  std::string binary("\x00\xff\x10 \"quoted\"\n", 13);
  std::string body = ndjson_header("Add \"things\"", "more\nlines", std::string(40, 'b')) +
                     ndjson_file("dir/bin.dat", binary) + ndjson_lfs_file("big.so", std::string(64, 'e'), 7) +
                     ndjson_deleted_file("old.txt") + ndjson_deleted_folder("gone");
  auto parsed = server::parse_commit_ndjson(body);
  CHECK(parsed.summary == "Add \"things\"");
  CHECK(parsed.description == "more\nlines");
  CHECK(parsed.parent_commit == std::string(40, 'b'));
  REQUIRE(parsed.operations.size() == 4);
  CHECK(parsed.operations[0].kind == server::CommitOperation::Kind::file);
  CHECK(parsed.operations[0].path == "dir/bin.dat");
  CHECK(parsed.operations[0].content == binary);
  CHECK(parsed.operations[1].kind == server::CommitOperation::Kind::lfs_file);
  CHECK(parsed.operations[1].oid == std::string(64, 'e'));
  CHECK(parsed.operations[1].size == 7);
  CHECK(parsed.operations[2].kind == server::CommitOperation::Kind::deleted_file);
  CHECK(parsed.operations[3].kind == server::CommitOperation::Kind::deleted_folder);
  CHECK(parsed.operations[3].path == "gone");
}

TEST_CASE("repo paths are checked before any request", "[write]") {
  CHECK(repo_path_problem("build/torch-cuda/__init__.py").empty());
  CHECK(repo_path_problem("README.md").empty());
  CHECK(repo_path_problem("caf\xc3\xa9.txt").empty());
  CHECK_FALSE(repo_path_problem("").empty());
  CHECK_FALSE(repo_path_problem("/abs").empty());
  CHECK_FALSE(repo_path_problem("a//b").empty());
  CHECK_FALSE(repo_path_problem("a/").empty());
  CHECK_FALSE(repo_path_problem("../x").empty());
  CHECK_FALSE(repo_path_problem("a/./b").empty());
  CHECK_FALSE(repo_path_problem(".git/config").empty());
  CHECK_FALSE(repo_path_problem("a\\b").empty());
  CHECK_FALSE(repo_path_problem("bad\xff").empty());
  CHECK_FALSE(repo_path_problem(std::string(1001, 'a')).empty());
}

TEST_CASE("hrefs on huggingface.co are rewritten to the endpoint, like huggingface_hub", "[write]") {
  const std::string ep = "http://127.0.0.1:8080";
  CHECK(rewrite_hub_href("https://huggingface.co/org/k.git/info/lfs/objects/verify", ep) ==
        "http://127.0.0.1:8080/org/k.git/info/lfs/objects/verify");
  CHECK(rewrite_hub_href("https://huggingface.co?x=1", ep) == "http://127.0.0.1:8080?x=1");
  CHECK(rewrite_hub_href("https://huggingface.co", ep) == ep);
  // Presigned storage URLs and look-alike hosts stay as they are.
  CHECK(rewrite_hub_href("https://s3.amazonaws.com/bucket/obj?X-Amz-Signature=x", ep) ==
        "https://s3.amazonaws.com/bucket/obj?X-Amz-Signature=x");
  CHECK(rewrite_hub_href("https://huggingface.co.evil.example/x", ep) == "https://huggingface.co.evil.example/x");
  CHECK(rewrite_hub_href("https://huggingface.co/x", "https://huggingface.co") == "https://huggingface.co/x");
}

TEST_CASE("the PR number comes from pullRequestUrl", "[write]") {
  CHECK(pr_number_from_url("https://huggingface.co/kernels/org/k/discussions/3") == 3);
  CHECK(pr_number_from_url("http://127.0.0.1:1/org/m/discussions/12/") == 12);
  CHECK(pr_number_from_url("https://h/org/m/discussions/7?x=1") == 7);
  CHECK_FALSE(pr_number_from_url("https://h/org/m/discussions/"));
  CHECK_FALSE(pr_number_from_url("https://h/org/m/commit/abc"));
  CHECK_FALSE(pr_number_from_url("https://h/org/m/discussions/x1"));
}

TEST_CASE("only failures before sending may retry a commit", "[write]") {
  CHECK(is_unsent_curl_code(6));   // CURLE_COULDNT_RESOLVE_HOST
  CHECK(is_unsent_curl_code(7));   // CURLE_COULDNT_CONNECT
  CHECK_FALSE(is_unsent_curl_code(28));  // timeout: the server may have the request
  CHECK_FALSE(is_unsent_curl_code(52));  // empty reply
  CHECK_FALSE(is_unsent_curl_code(56));  // receive error
}

TEST_CASE("digests carry size, sha256 and the 512-byte sample", "[write]") {
  std::string data(1000, 'x');
  auto d = digest_bytes(data);
  CHECK(d.size == 1000);
  CHECK(d.sample == std::string(512, 'x'));
  CHECK(d.sha256.size() == 64);
  CHECK(digest_bytes("").sample.empty());
}

namespace {

HttpResponse answer(long status, const std::string& code, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.url = "http://hub.example/api/kernels/org/k/commit/main";
  if (!code.empty()) r.headers.emplace_back("x-error-code", code);
  r.headers.emplace_back("x-error-message", message);
  return r;
}

RequestContext write_ctx(bool has_token) {
  RequestContext c{RepoId{"org", "k"}, RepoType::kernel, std::string("main"), std::nullopt, "http://hub.example"};
  c.write_action = "create a commit on";
  c.has_token = has_token;
  return c;
}

std::string text(const Error& e) { return render_error(e, false); }

}  // namespace

TEST_CASE("write errors say what to do", "[write]") {
  auto no_token = error_from_response(answer(401, "Unauthorized", "A valid token is required"), "POST", write_ctx(false));
  CHECK(no_token.kind() == ErrorKind::unauthorized);
  CHECK(text(no_token).find("none was sent") != std::string::npos);
  CHECK(text(no_token).find("HF_TOKEN") != std::string::npos);
  CHECK(text(no_token).find("hf auth login") != std::string::npos);

  auto rejected = error_from_response(answer(401, "", "Invalid credentials in Authorization header"), "POST",
                                      write_ctx(true));
  CHECK(rejected.kind() == ErrorKind::unauthorized);
  CHECK(text(rejected).find("rejected the token") != std::string::npos);

  auto forbidden = error_from_response(answer(403, "", "no"), "POST", write_ctx(true));
  CHECK(forbidden.kind() == ErrorKind::forbidden);
  CHECK(text(forbidden).find("write access") != std::string::npos);

  CHECK(error_from_response(answer(404, "RevisionNotFound", "x"), "POST", write_ctx(true)).kind() ==
        ErrorKind::revision_not_found);
  CHECK(error_from_response(answer(404, "RepoNotFound", "x"), "POST", write_ctx(true)).kind() ==
        ErrorKind::repo_not_found);
  CHECK(error_from_response(answer(409, "Conflict", "x"), "POST", write_ctx(true)).kind() == ErrorKind::conflict);
  auto moved = error_from_response(answer(412, "PreconditionFailed", "x"), "POST", write_ctx(true));
  CHECK(moved.kind() == ErrorKind::precondition_failed);
  CHECK(text(moved).find("re-run") != std::string::npos);
  CHECK(error_from_response(answer(422, "", "bad"), "POST", write_ctx(true)).kind() == ErrorKind::http);
  auto failed = error_from_response(answer(503, "", "down"), "POST", write_ctx(true));
  CHECK(failed.kind() == ErrorKind::http);
  CHECK(text(failed).find("re-run later") != std::string::npos);

  // A server that echoes credentials does not get them into our text.
  auto echo = error_from_response(answer(401, "", "bad header: Bearer hf_abcdefghijklmnop"), "POST", write_ctx(true));
  CHECK(text(echo).find("hf_abcdefghijklmnop") == std::string::npos);
}

TEST_CASE("upload URLs lose their credentials in logs and messages", "[write]") {
  auto text = log::redact("PUT http://h/lfs-objects/ab?size=3&ticket=0123abcd failed");
  CHECK(text.find("0123abcd") == std::string::npos);
  CHECK(text.find("size=3") != std::string::npos);
  CHECK(log::redact("https://s3/x?X-Amz-Credential=AKIA123&X-Amz-Signature=sig").find("AKIA123") == std::string::npos);
}
