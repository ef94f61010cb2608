#include <catch2/catch.hpp>

#include <string>

#include "core/error.hpp"
#include "server/repo_path.hpp"

using namespace kcpp;
using namespace kcpp::server;

TEST_CASE("'.git' and every name HFS+ or NTFS read as '.git' are refused", "[server][path]") {
  for (std::string name :
       {".git", ".GIT", ".Git", ".gIT",
        // HFS+ ignores these code points wherever they are
        ".git\u200c", "\u200c.git", ".g\u200dit", ".gi\u200et", ".git\u200f", ".git\u202a", ".git\u202b",
        ".git\u202c", ".git\u202d", ".git\u202e", ".git\u206a", ".git\u206b", ".git\u206c", ".git\u206d",
        ".git\u206e", ".git\u206f", ".git\ufeff", "\ufeff.\u200cG\u200dI\u200eT\u200f",
        // NTFS: trailing dots and spaces, alternate data streams, the 8.3 short name
        ".git.", ".git ", ".git. . ", ".git::$INDEX_ALLOCATION", ".git:x", ".git . :y", "git~1", "GIT~1",
        "Git~1.", "git~1 ", "git~1::$INDEX_ALLOCATION"}) {
    INFO(name);
    CHECK(is_dotgit_alias(name));
    CHECK(repo_path_problem(name + "/config"));
    CHECK(repo_path_problem("sub/" + name + "/config"));
    CHECK(repo_path_problem("sub/" + name));
  }
}

TEST_CASE("names that only look like '.git' are kept", "[server][path]") {
  for (std::string name : {".gitattributes", ".gitignore", ".github", ".gitx", "git", "a.git", ".git~1", "git~2",
                           "git~10", ".gi", "..git", ".git\u200bx", ".git\u00e9", "git~1x", "\u200d"}) {
    INFO(name);
    CHECK_FALSE(is_dotgit_alias(name));
  }
  // U+200B (zero width space) is not one of the code points HFS+ ignores.
  CHECK_FALSE(repo_path_problem(".git\u200b/config"));
  for (std::string ok : {"a", "README.md", "build/torch-cuda/_ops.so", ".gitattributes", "a/.b/c", "a..b",
                         "docs/.gitignore", "a.git/b", "gitx~1/y", "caf\u00e9/\u65e5\u672c.txt"}) {
    INFO(ok);
    CHECK_FALSE(repo_path_problem(ok));
    CHECK_NOTHROW(check_repo_path(ok));
  }
}

TEST_CASE("'.gitmodules' under any name is refused (no submodules here)", "[server][path]") {
  for (std::string name : {".gitmodules", ".GITMODULES", ".gitmodules.", ".gitmodules .", ".gitmodules:x",
                           ".gitmodules\u200c", "\u200c.GitModules", "gitmod~1", "GITMOD~4", "gitmod~1 .",
                           "gi7eba~1", "GI7EBA~9", "gi7eb~12", "gi7e~123", "~1234567"}) {
    INFO(name);
    CHECK(is_dotgitmodules_alias(name));
    CHECK(repo_path_problem("a/" + name));
  }
  for (std::string name : {".gitmodulesx", "gitmod~5", "gitmod~0", "gi7eba~0", "gi7ebb~1", "gitmodules", "gi7eba~1x",
                           "gi7eba~12", "gi~a"}) {
    INFO(name);
    CHECK_FALSE(is_dotgitmodules_alias(name));
  }
}

TEST_CASE("whole-path rules: separators, controls, encoding, lengths", "[server][path]") {
  for (std::string bad : {std::string(""), std::string("/etc/passwd"), std::string("../x"), std::string("a/../b"),
                          std::string("a/./b"), std::string("."), std::string("a//b"), std::string("a/"),
                          std::string("a\\b"), std::string("..\\x"), std::string("a\0b", 3), std::string("x\x1b[2J"),
                          std::string("bell\x07"), std::string("del\x7f"), std::string("c1\xc2\x9b"),
                          std::string("new\nline"), std::string("bad\xff"), std::string("overlong\xc0\xaf"),
                          std::string("surrogate\xed\xa0\x80"), std::string("cut\xe6\x97"),
                          std::string(1001, 'a'), std::string(256, 'a') + "/b"}) {
    INFO(bad);
    CHECK(repo_path_problem(bad));
    CHECK_THROWS_AS(check_repo_path(bad), Error);
  }
  CHECK_FALSE(repo_path_problem(std::string(255, 'a') + "/" + std::string(255, 'b')));
  CHECK_FALSE(repo_path_problem(std::string(1000, 'a').replace(200, 1, "/").replace(400, 1, "/").replace(600, 1, "/").replace(800, 1, "/")));
  // The message shows the path with its control bytes escaped.
  try {
    check_repo_path("x\x1b[2J/.git");
    FAIL("not refused");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find('\x1b') == std::string::npos);
  }
}
