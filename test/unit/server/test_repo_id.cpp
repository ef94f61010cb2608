#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "server/repo_id.hpp"

using namespace kcpp;
using namespace kcpp::server;

TEST_CASE("valid repo ids parse into namespace and name", "[server][repo_id]") {
  auto id = RepoId::parse(RepoType::kernel, "kernels-community/relu");
  CHECK(id.ns() == "kernels-community");
  CHECK(id.name() == "relu");
  CHECK(id.str() == "kernels-community/relu");
  CHECK(id.display() == "kernels/kernels-community/relu");
  CHECK(repo_id_problem("a/b") == "");
  CHECK(repo_id_problem("A_1/x.y-z_") == "");
  CHECK(repo_id_problem("_a/_") == "");
  CHECK(repo_id_problem(std::string(96, 'a') + "/" + std::string(96, 'b')) == "");
}

TEST_CASE("invalid repo ids are rejected with the rule they break", "[server][repo_id]") {
  for (const char* bad : {"noslash", "a/b/c", "/b", "a/", "a--b/c", "a/b..c", "-a/b", "a/b-", ".a/b", "a/b.", "a b/c",
                          "a/b%2F", "../x", "a/..", "é/x", "a/b\n"}) {
    INFO(bad);
    CHECK_FALSE(repo_id_problem(bad).empty());
    CHECK_THROWS_AS(RepoId::parse(RepoType::model, bad), Error);
  }
  CHECK_FALSE(repo_id_problem("a/" + std::string(97, 'b')).empty());
  try {
    RepoId::parse(RepoType::kernel, "a--b/c");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::usage);
    CHECK(std::string(e.what()).find("'--'") != std::string::npos);
  }
}

TEST_CASE("repo types map to URL segments", "[server][repo_id]") {
  CHECK(api_segment(RepoType::kernel) == "kernels");
  CHECK(url_prefix(RepoType::kernel) == "kernels/");
  CHECK(url_prefix(RepoType::model) == "");
  CHECK(repo_type_from_api_segment("models") == RepoType::model);
  CHECK_FALSE(repo_type_from_api_segment("datasets").has_value());
  CHECK(parse_repo_type("kernel") == RepoType::kernel);
  CHECK_THROWS_AS(parse_repo_type("dataset"), Error);
}
