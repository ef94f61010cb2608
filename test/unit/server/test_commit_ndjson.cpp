#include <catch2/catch.hpp>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "server/commit_ndjson.hpp"
#include "server/http_util.hpp"
#include "server/router.hpp"

using namespace kcpp;
using namespace kcpp::server;
using Op = CommitOperation::Kind;

namespace {
const std::string kOid(64, 'a');
}

TEST_CASE("repo paths from the wire: unsafe ones are rejected", "[server][write]") {
  for (const char* ok : {"a", "README.md", "build/torch-cuda/_ops.so", ".gitattributes", "a/.b/c", "a..b"})
    CHECK_NOTHROW(check_repo_path(ok));
  for (std::string bad : {std::string(""), std::string("/etc/passwd"), std::string("../x"), std::string("a/../b"),
                          std::string("a/./b"), std::string("."), std::string("a//b"), std::string("a/"),
                          std::string("a\\b"), std::string("..\\x"), std::string("a\0b", 3), std::string(".git/config"),
                          std::string("x/.git/HEAD"), std::string(1001, 'a')}) {
    INFO(bad);
    CHECK_THROWS_AS(check_repo_path(bad), Error);
  }
}

TEST_CASE("base64 decoding", "[server][write]") {
  CHECK(base64_decode("") == "");
  CHECK(base64_decode("IyBSZWFkbWUK") == "# Readme\n");
  CHECK(base64_decode("YQ==") == "a");
  CHECK(base64_decode("YWI=") == "ab");
  CHECK(base64_decode("YWJj") == "abc");
  CHECK(base64_decode("AAEC") == std::string("\0\1\2", 3));
  CHECK_THROWS_AS(base64_decode("YQ=a"), Error);
  CHECK_THROWS_AS(base64_decode("Y"), Error);
  CHECK_THROWS_AS(base64_decode("Y Q=="), Error);
  CHECK_THROWS_AS(base64_decode("YQ==="), Error);
}

TEST_CASE("NDJSON commit payloads parse into operations", "[server][write]") {
  std::string body =
      R"({"key":"header","value":{"summary":"Upload","description":"more","parentCommit":"0123456789012345678901234567890123456789"}})"
      "\n"
      R"({"key":"file","value":{"path":"README.md","content":"IyBSZWFkbWUK","encoding":"base64"}})"
      "\n"
      R"({"key":"file","value":{"path":"plain.txt","content":"hi"}})"
      "\n"
      R"({"key":"lfsFile","value":{"path":"build/v/_ops.so","algo":"sha256","oid":")" +
      kOid + R"(","size":52342880}})"
      "\n"
      R"({"key":"deletedFile","value":{"path":"old.py"}})"
      "\n"
      R"({"key":"deletedFolder","value":{"path":"build/old/"}})";  // no trailing newline (huggingface.js)
  auto c = parse_commit_ndjson(body);
  CHECK(c.summary == "Upload");
  CHECK(c.description == "more");
  REQUIRE(c.parent_commit);
  CHECK(*c.parent_commit == "0123456789012345678901234567890123456789");
  REQUIRE(c.operations.size() == 5);
  CHECK(c.operations[0].kind == Op::file);
  CHECK(c.operations[0].content == "# Readme\n");
  CHECK(c.operations[1].content == "hi");
  CHECK(c.operations[2].kind == Op::lfs_file);
  CHECK(c.operations[2].oid == kOid);
  CHECK(c.operations[2].size == 52342880);
  CHECK(c.operations[3].kind == Op::deleted_file);
  CHECK(c.operations[4].kind == Op::deleted_folder);
  CHECK(c.operations[4].path == "build/old");
}

TEST_CASE("NDJSON commit payloads: malformed ones are usage errors", "[server][write]") {
  const std::string header = R"({"key":"header","value":{"summary":"s"}})" "\n";
  auto throws_usage = [](const std::string& body) {
    try {
      parse_commit_ndjson(body);
    } catch (const Error& e) {
      return e.kind() == ErrorKind::usage;
    }
    return false;
  };
  CHECK(throws_usage(""));
  CHECK(throws_usage("not json\n"));
  CHECK(throws_usage(R"({"key":"file","value":{"path":"a","content":""}})" "\n"));  // header missing
  CHECK(throws_usage(R"({"key":"header","value":{"summary":""}})" "\n"));
  CHECK(throws_usage(header + header));
  CHECK(throws_usage(header + R"({"key":"bogus","value":{"path":"a"}})"));
  CHECK(throws_usage(header + R"({"key":"file","value":{"path":"../a","content":""}})"));
  CHECK(throws_usage(header + R"({"key":"file","value":{"path":"/a","content":""}})"));
  CHECK(throws_usage(header + R"({"key":"file","value":{"path":"a\\b","content":""}})"));
  CHECK(throws_usage(header + R"({"key":"file","value":{"path":"a","content":"!!","encoding":"base64"}})"));
  CHECK(throws_usage(header + R"({"key":"file","value":{"path":"a","content":"x","encoding":"latin1"}})"));
  CHECK(throws_usage(header + R"({"key":"lfsFile","value":{"path":"a","algo":"sha256","oid":"abc","size":1}})"));
  CHECK(throws_usage(header + R"({"key":"lfsFile","value":{"path":"a","algo":"md5","oid":")" + kOid +
                     R"(","size":1}})"));
  CHECK(throws_usage(header + R"({"key":"lfsFile","value":{"path":"a","oid":")" + kOid + R"(","size":-1}})"));
  CHECK(throws_usage(header + R"({"key":"deletedFile","value":{"path":""}})"));
  CHECK_FALSE(throws_usage(header));  // an empty commit is fine
}

TEST_CASE("write routes", "[server][write]") {
  auto route = [](std::string_view path) { return match_route(http::split_path(path)); };
  CHECK(route("/api/repos/create").kind == Route::Kind::create_repo);
  auto c = route("/api/models/org/m/commit/main");
  CHECK(c.kind == Route::Kind::repo_commit);
  CHECK(c.repo_id == "org/m");
  CHECK(*c.revision == "main");
  CHECK(*route("/api/kernels/org/k/commit/refs%2Fpr%2F3").revision == "refs/pr/3");
  CHECK(route("/api/kernels/org/k/commit/main/extra").kind == Route::Kind::unknown);
  CHECK(route("/api/kernels/org/k/preupload/v1").kind == Route::Kind::repo_preupload);
  auto b = route("/api/kernels/org/k/branch/v2");
  CHECK(b.kind == Route::Kind::repo_branch);
  CHECK(b.type == RepoType::kernel);
  CHECK(*b.revision == "v2");
  auto lfs = route("/kernels/org/k.git/info/lfs/objects/batch");
  CHECK(lfs.kind == Route::Kind::lfs_batch);
  CHECK(lfs.type == RepoType::kernel);
  CHECK(lfs.repo_id == "org/k");
  auto m = route("/org/m.git/info/lfs/objects/verify");
  CHECK(m.kind == Route::Kind::lfs_verify);
  CHECK(m.type == RepoType::model);
  CHECK(m.repo_id == "org/m");
  CHECK(route("/org/m/info/lfs/objects/batch").kind == Route::Kind::unknown);
}
