// metadata.json as kernels-data's Metadata accepts it (cases probed against kernels 0.17.2).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "repo/metadata.hpp"

using namespace kcpp;
using namespace kcpp::repo;
using json = nlohmann::json;

namespace {

json base() {
  return {{"name", "relu"},          {"id", "_relu_cuda_abc"},   {"version", 1},
          {"license", "MIT"},        {"python-depends", json::array()}, {"backend", {{"type", "cuda"}}}};
}

std::string error_of_text(const std::string& text) {
  try {
    parse_metadata(text, "m.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "OK";
}
std::string error_of(const json& j) { return error_of_text(j.dump()); }

json with(std::string key, json value) {
  auto j = base();
  j[key] = std::move(value);
  return j;
}
json without(const std::string& key) {
  auto j = base();
  j.erase(key);
  return j;
}

}  // namespace

TEST_CASE("valid metadata and its kernel dependencies", "[lock]") {
  auto j = with("kernel-depends", json::array({{{"repo-id", "org/a"}, {"version", 2}},
                                               {{"repo-id", "org/b"}, {"revision", "abc"}},
                                               {{"repo-id", "org/c"}, {"version", nullptr}, {"revision", "x"}}}));
  j["unknown-top-level"] = 1;
  auto m = parse_metadata(j.dump(2), "m.json");
  CHECK(m.name == "relu");
  REQUIRE(m.kernel_depends.size() == 3);
  CHECK(m.kernel_depends[0] == Dependency::version("org/a", 2));
  CHECK(m.kernel_depends[1] == Dependency::revision("org/b", "abc"));
  CHECK(m.kernel_depends[2] == Dependency::revision("org/c", "x"));
  CHECK(parse_metadata(base().dump(), "m").kernel_depends.empty());
}

TEST_CASE("required fields and their types", "[lock]") {
  for (std::string k : {"name", "id", "version", "license", "python-depends", "backend"})
    CHECK_THAT(error_of(without(k)), Catch::Contains("missing field `" + k + "`"));
  CHECK_THAT(error_of(with("version", "1")), Catch::Contains("invalid type: string \"1\", expected usize"));
  CHECK_THAT(error_of(with("version", -1)), Catch::Contains("invalid value: integer `-1`, expected usize"));
  CHECK_THAT(error_of(with("version", 1.0)), Catch::Contains("expected usize"));
  CHECK_THAT(error_of(with("version", true)), Catch::Contains("invalid type: boolean `true`, expected usize"));
  CHECK_THAT(error_of(with("license", nullptr)), Catch::Contains("invalid type: null, expected a string"));
  CHECK(error_of(with("id", "")) == "OK");
  CHECK_THAT(error_of(with("python-depends", json::array({1}))), Catch::Contains("expected a string"));
  CHECK(error_of(with("python-depends", json::array({"nope", "nope"}))) == "OK");
  CHECK_THAT(error_of(with("backend", "cuda")), Catch::Contains("expected struct BackendInfo"));
  CHECK_THAT(error_of(with("backend", {{"type", "npu"}})), Catch::Contains("unknown variant `npu`"));
  CHECK_THAT(error_of(with("backend", json::object())), Catch::Contains("missing field `type`"));
  for (std::string b : {"cann", "cpu", "cuda", "metal", "neuron", "rocm", "tpu", "xpu"})
    CHECK(error_of(with("backend", {{"type", b}, {"archs", nullptr}, {"extra", 1}})) == "OK");
  CHECK_THAT(error_of(with("backend", {{"type", "cuda"}, {"archs", "x"}})), Catch::Contains("expected a sequence"));
}

TEST_CASE("kernel names", "[lock]") {
  for (std::string ok : {"ab", "a--b", "abc-1", "relu2d"}) CHECK(error_of(with("name", ok)) == "OK");
  for (std::string bad : {"a", "a-", "a_b", "1a", "Relu", ""})
    CHECK_THAT(error_of(with("name", bad)), Catch::Contains("Invalid kernel name `" + bad + "`"));
}

TEST_CASE("kernel-depends entries", "[lock]") {
  auto dep = [](json d) { return error_of(with("kernel-depends", json::array({d}))); };
  CHECK_THAT(dep({{"repo-id", "org/a"}, {"version", 1}, {"revision", "x"}}),
             Catch::Contains("`version` and `revision` are mutually exclusive"));
  CHECK_THAT(dep({{"repo-id", "org/a"}}), Catch::Contains("either `version` or `revision` must be specified"));
  CHECK_THAT(dep({{"repo-id", "org/a"}, {"revision", nullptr}}), Catch::Contains("either `version` or `revision`"));
  CHECK_THAT(dep({{"repo-id", "org/a"}, {"version", 1}, {"x", 1}}), Catch::Contains("unknown field `x`"));
  CHECK_THAT(dep({{"version", 1}}), Catch::Contains("missing field `repo-id`"));
  CHECK_THAT(dep({{"repo-id", "org/a"}, {"version", "1"}}), Catch::Contains("expected usize"));
  CHECK_THAT(dep("org/a"), Catch::Contains("expected struct KernelDependencyRepr"));
  CHECK(dep({{"repo-id", "foo"}, {"version", 1}}) == "OK");  // checked when locked, as upstream
  CHECK_THAT(error_of(with("kernel-depends", nullptr)), Catch::Contains("invalid type: null, expected a sequence"));
  CHECK_THAT(error_of(with("kernel-depends", json::object())), Catch::Contains("invalid type: map, expected a sequence"));
}

TEST_CASE("git URLs of upstream and source", "[lock]") {
  for (std::string ok : {"https://github.com/x/y", "http://h/p", "git@h:p", "ssh://git@h/p", "HTTPS://h/p",
                         "git+ssh://h/p", "https://h/p with space", "@h:p", "h_x:p", "a@b@c:p", "git@h:p q",
                         "ssh:foo", "https:foo", "https:///x", "ssh:///x"})
    CHECK(is_valid_git_url(ok));
  for (std::string bad : {"github.com/x/y", "https://", ":p", "://x", "a b:c", "user@host", "[::1]:p", "git@h:",
                          "https://u@", "git://:80", ""})
    CHECK_FALSE(is_valid_git_url(bad));
  std::string why;
  CHECK_FALSE(is_valid_git_url("ftp://x/y", &why));
  CHECK_THAT(why, Catch::StartsWith("unsupported scheme `ftp` in git URL `ftp://x/y`"));
  CHECK_FALSE(is_valid_git_url("host.com:p", &why));
  CHECK_THAT(why, Catch::StartsWith("unsupported scheme `host.com`"));
  CHECK_THAT(error_of(with("upstream", "not a url")), Catch::Contains("invalid git URL `not a url`"));
  CHECK(error_of(with("source", nullptr)) == "OK");
  CHECK_THAT(error_of(with("source", 1)), Catch::Contains("expected a string"));
}

TEST_CASE("kernels-minver, digest and provenance", "[lock]") {
  CHECK(error_of(with("kernels-minver", "0.17.2")) == "OK");
  CHECK(error_of(with("kernels-minver", nullptr)) == "OK");
  CHECK_THAT(error_of(with("kernels-minver", "0.17")), Catch::Contains("Version has 2 components, expected 3"));
  CHECK_THAT(error_of(with("kernels-minver", "1.2.x")), Catch::Contains("Version must consist of numbers"));
  CHECK_THAT(error_of(with("kernels-minver", "")), Catch::Contains("Empty version string"));
  CHECK(error_of(with("digest", {{"algorithm", "sha256"}, {"files", {{"a", "!!"}}}, {"x", 1}})) == "OK");
  CHECK_THAT(error_of(with("digest", {{"algorithm", "md5"}, {"files", json::object()}})),
             Catch::Contains("unknown variant `md5`, expected `sha256` or `sha512`"));
  CHECK_THAT(error_of(with("digest", {{"algorithm", "sha512"}})), Catch::Contains("missing field `files`"));
  CHECK_THAT(error_of(with("digest", {{"algorithm", "sha512"}, {"files", {{"a", 1}}}})),
             Catch::Contains("expected a string"));
  const std::string oid(40, 'a');
  CHECK(error_of(with("provenance", {{"kernel-builder", {{"version", "0.1"}}}})) == "OK");
  CHECK(error_of(with("provenance", {{"kernel-builder", {{"version", "1"}, {"sha", oid}, {"dirty", false}}},
                                     {"kernel", {{"commit", std::string(64, 'A')}, {"dirty", true}}}})) == "OK");
  CHECK_THAT(error_of(with("provenance", {{"kernel-builder", {{"version", "1"}, {"commit", "zz"}, {"dirty", false}}}})),
             Catch::Contains("Invalid git object id, expected 40 or 64 hexadecimal digits: zz"));
  CHECK_THAT(error_of(with("provenance", {{"kernel-builder", {{"version", "1"}, {"commit", oid}}}})),
             Catch::Contains("git commit and dirty must be specified together"));
  CHECK_THAT(error_of(with("provenance", {{"kernel-builder", {{"version", "1"}}}, {"kernel", {{"commit", oid}}}})),
             Catch::Contains("missing field `dirty`"));
  CHECK_THAT(error_of(with("provenance", json::object())), Catch::Contains("missing field `kernel-builder`"));
}

TEST_CASE("syntax, duplicates and positions", "[lock]") {
  CHECK(error_of_text("{\"name\":\"relu\"") == "m.json:1:15: EOF while parsing an object");
  CHECK(error_of_text("null") == "m.json:1:1: invalid type: null, expected struct Metadata");
  CHECK_THAT(error_of_text("{\"name\":\"relu\",\"name\":\"relu2\"}"), Catch::Equals("m.json:1:23: duplicate field `name`"));
  CHECK(error_of_text("{\"name\":\"relu\",\"id\":\"x\",\"version\":1,\"license\":\"MIT\",\"python-depends\":[],"
                 "\"backend\":{\"type\":\"cuda\"},\"zz\":1,\"zz\":2}") == "OK");
  CHECK_THAT(error_of_text("{\"name\":\"relu\",\"id\":\"x\",\"version\":1,\"license\":\"MIT\",\"python-depends\":[],\n"
                           " \"backend\": {\"type\": \"cuda\", \"type\": \"cpu\"}}"),
             Catch::StartsWith("m.json:2:38: duplicate field `type`"));
}
