#include <catch2/catch.hpp>

#include <filesystem>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "info/git_url.hpp"
#include "info/info.hpp"
#include "info/metadata_info.hpp"

using namespace kcpp;
using namespace kcpp::info;
namespace stdfs = std::filesystem;

TEST_CASE("git URLs print as kernels 0.17.2's url serialisation", "[info]") {
  // Expected values are what kernels 0.17.2's Metadata gives back for each input.
  CHECK(normalize_git_url("https://github.com/huggingface/kernels") == "https://github.com/huggingface/kernels");
  CHECK(normalize_git_url("HTTPS://Ex.COM:443/a b") == "https://ex.com/a%20b");
  CHECK(normalize_git_url("git+ssh://git@Host.com:22/x") == "git+ssh://git@Host.com:22/x");
  CHECK(normalize_git_url("ssh:foo") == "ssh:foo");
  CHECK(normalize_git_url("https://x.com/a/../b?q=1#f") == "https://x.com/b?q=1#f");
  CHECK(normalize_git_url("http://x.com:80") == "http://x.com/");
  CHECK(normalize_git_url("git://h/x/./y") == "git://h/x/y");
  CHECK(normalize_git_url("git@github.com:foo/bar.git") == "ssh://git@github.com/foo/bar.git");
  CHECK(normalize_git_url("git@h:a b?x") == "ssh://git@h/a%20b?x");
  CHECK(normalize_git_url("https://x.com/a/%2e%2e/b/.") == "https://x.com/b/");
  CHECK(normalize_git_url("https://u:p@X.com") == "https://u:p@x.com/");
  CHECK(normalize_git_url("git://H/x/../../y") == "git://H/y");
  CHECK(normalize_git_url("https://x.com\\a\\b") == "https://x.com/a/b");
  CHECK(normalize_git_url("git://h:0080/") == "git://h:80/");
  CHECK(normalize_git_url("https://x.com/?a=b c'd") == "https://x.com/?a=b%20c%27d");
}

TEST_CASE("metadata fields are read after upstream's validation", "[info]") {
  auto m = parse_metadata_info(
      R"({"name":"my-kernel","id":"x","version":3,"kernels-minver":" 01.002.0 ","license":"MIT",
          "upstream":"https://GitHub.com","source":null,"python-depends":["einops"],"backend":{"type":"cpu"}})",
      "m.json");
  CHECK(m.name == "my-kernel");
  CHECK(m.version == 3);
  CHECK(m.kernels_minver == std::optional<std::string>("1.2.0"));
  CHECK(m.upstream == std::optional<std::string>("https://github.com/"));
  CHECK_FALSE(m.source);
  CHECK(m.python_depends == std::vector<std::string>{"einops"});
  CHECK_THROWS_AS(parse_metadata_info(R"({"name":"my-kernel"})", "m.json"), Error);
}

TEST_CASE("local info: first variant by name with metadata.json, backends sorted", "[info]") {
  auto dir = stdfs::temp_directory_path() / ("kcpp-info-" + fs::random_hex(6));
  stdfs::create_directories(dir / "build" / "torch-universal");
  stdfs::create_directories(dir / "build" / "torch211-cxx11-cu130-x86_64-linux");
  stdfs::create_directories(dir / "build" / "not-a-variant");
  fs::atomic_write(dir / "build" / "torch211-cxx11-cu130-x86_64-linux" / "metadata.json",
                   R"({"name":"relu","id":"x","version":1,"license":"MIT","python-depends":[],"backend":{"type":"cuda"}})");
  auto info = collect_local(dir.string() + "/");
  CHECK(info.path == dir.string());
  REQUIRE(info.metadata);
  CHECK(info.metadata->name == "relu");
  CHECK(info.backends == std::vector<std::string>{"cuda", "universal"});
  CHECK(render_text(info) == "Path: " + dir.string() +
                                 "\nName: relu\nVersion: 1\nMinimum kernels version: -\nLicense: MIT\nUpstream: -\n"
                                 "Source: -\nPython dependencies: -\nBackends: cuda, universal\n");
  CHECK_THROWS_WITH(collect_local((dir / "build").string()),
                    Catch::Contains("No build variants found in: " + dir.string() + "/build/build"));
  stdfs::remove_all(dir);
}

TEST_CASE("JSON: upstream's key order, indent 2, ASCII escapes", "[info]") {
  KernelInfo info;
  info.repo_id = "org/k";
  info.revision = "v1";
  info.metadata = MetadataInfo{"k", 2, std::nullopt, "é", std::nullopt, std::nullopt, {}};
  info.backends = {"cpu"};
  CHECK(render_json(info) ==
        "{\n  \"repo_id\": \"org/k\",\n  \"revision\": \"v1\",\n  \"name\": \"k\",\n  \"version\": 2,\n"
        "  \"kernels_minver\": null,\n  \"license\": \"\\u00e9\",\n  \"upstream\": null,\n  \"source\": null,\n"
        "  \"python_depends\": [],\n  \"backends\": [\n    \"cpu\"\n  ]\n}\n");
}
