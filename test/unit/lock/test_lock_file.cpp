// kernels.lock model: upstream's exact bytes, order, and the reader's line:col errors.
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "lock/lock_file.hpp"

using namespace kcpp;
using namespace kcpp::lock;

namespace {

const std::string A40(40, 'a'), B40(40, 'b'), C40(40, 'c');

std::string error_of(std::string_view text) {
  try {
    parse_lock_file(text, "kernels.lock");
  } catch (const Error& e) {
    std::string out = e.what();
    for (const auto& h : e.hints()) out += "\nhint: " + h;
    return out;
  }
  return "no error";
}

}  // namespace

TEST_CASE("to_json writes what kernels 0.17.2 writes", "[lock]") {
  LockFile lock;
  lock.entries = {{Dependency::version("org/b", 1), A40},
                  {Dependency::revision("org/a", C40), C40},
                  {Dependency::version("org/a", 10), B40},
                  {Dependency::version("org/a", 2), B40}};
  lock.normalise();
  // Captured from kernels._rust.KernelLocks(...).to_json() with the same four entries.
  const std::string expected =
      "[\n  {\n    \"dependency\": {\n      \"repo-id\": \"org/a\",\n      \"version\": 2\n    },\n    \"lock\": {\n"
      "      \"commit\": \"" + B40 + "\"\n    }\n  },\n  {\n    \"dependency\": {\n      \"repo-id\": \"org/a\",\n"
      "      \"version\": 10\n    },\n    \"lock\": {\n      \"commit\": \"" + B40 + "\"\n    }\n  },\n  {\n"
      "    \"dependency\": {\n      \"repo-id\": \"org/a\",\n      \"revision\": \"" + C40 + "\"\n    },\n"
      "    \"lock\": {\n      \"commit\": \"" + C40 + "\"\n    }\n  },\n  {\n    \"dependency\": {\n"
      "      \"repo-id\": \"org/b\",\n      \"version\": 1\n    },\n    \"lock\": {\n      \"commit\": \"" + A40 +
      "\"\n    }\n  }\n]";
  CHECK(to_json(lock) == expected);
  CHECK(to_json(LockFile{}) == "[]");
}

TEST_CASE("dependency order: repo bytewise, versions numerically before revisions", "[lock]") {
  CHECK(Dependency::version("org/a", 2) < Dependency::version("org/a", 10));
  CHECK(Dependency::version("org/a", 99) < Dependency::revision("org/a", "0"));
  CHECK(Dependency::revision("org/a", "B") < Dependency::revision("org/a", "a"));
  CHECK(Dependency::version("Org/z", 1) < Dependency::version("org/a", 1));  // 'O' < 'o'
  CHECK(Dependency::version("org/a-b", 1) < Dependency::version("org/a_b", 1));
  LockFile dup;
  dup.entries = {{Dependency::version("org/a", 1), A40}, {Dependency::version("org/a", 1), B40}};
  CHECK_THROWS_WITH(dup.normalise(), Catch::Contains("duplicate dependency: org/a (version 1)"));
}

TEST_CASE("strings are escaped like serde_json", "[lock]") {
  LockFile lock;
  lock.entries = {{Dependency::revision("org/a", "q\"\\\n\x01\x7f\xc3\xa9"), A40}};
  CHECK_THAT(to_json(lock), Catch::Contains("\"revision\": \"q\\\"\\\\\\n\\u0001\x7f\xc3\xa9\""));
}

TEST_CASE("parse_lock_file round-trips and normalises", "[lock]") {
  LockFile lock;
  lock.entries = {{Dependency::version("org/a", 1), A40}, {Dependency::revision("org/b", B40), B40}};
  CHECK(parse_lock_file(to_json(lock), "x") == lock);
  // Unsorted, upper-case commit, compact JSON, null version next to a revision: accepted.
  auto parsed = parse_lock_file(
      R"([{"dependency":{"repo-id":"org/b","version":null,"revision":")" + B40 +
          R"("},"lock":{"commit":")" + std::string(40, 'B') +
          R"("}},{"dependency":{"repo-id":"org/a","version":1},"lock":{"commit":")" + A40 + "\"}}]\n",
      "x");
  CHECK(parsed == lock);
  CHECK(parse_lock_file("[]", "x").entries.empty());
  CHECK(parse_lock_file("[{\"dependency\":{\"repo-id\":\"org/a\",\"version\":1},\"lock\":{\"commit\":\"" +
                            std::string(64, 'e') + "\"}}]",
                        "x")
            .entries[0]
            .commit.size() == 64);
}

TEST_CASE("parse_lock_file errors name file:line:col", "[lock]") {
  CHECK_THAT(error_of(""), Catch::StartsWith("kernels.lock:1:1: EOF while parsing a value"));
  CHECK_THAT(error_of("{}"), Catch::StartsWith("kernels.lock:1:1: invalid type: map, expected a sequence"));
  CHECK_THAT(error_of("[\n  {\"dependency\": {\"repo-id\": \"org/a\", \"version\": 1}}\n]"),
             Catch::StartsWith("kernels.lock:2:3: missing field `lock`"));
  CHECK_THAT(error_of("[{\"dependency\": {\"repo-id\": \"org/a\", \"version\": 1}, \"lock\": {\"commit\": \"abc\"}}]"),
             Catch::StartsWith("kernels.lock:1:72: Invalid git object id, expected 40 or 64 hexadecimal digits: abc"));
  CHECK_THAT(error_of("[{\"dependency\": {\"repo-id\": \"org/a\", \"version\": 1, \"revision\": \"x\"}, \"lock\": {}}]"),
             Catch::StartsWith("kernels.lock:1:17: `version` and `revision` are mutually exclusive"));
  CHECK_THAT(error_of("[{\"dependency\": {\"repo-id\": \"org/a\"}, \"lock\": {}}]"),
             Catch::StartsWith("kernels.lock:1:17: either `version` or `revision` must be specified"));
  CHECK_THAT(error_of("[{\"dependency\": {\"repo-id\": \"org/a\", \"version\": \"1\"}, \"lock\": {}}]"),
             Catch::StartsWith("kernels.lock:1:49: invalid type: string \"1\", expected usize"));
  CHECK_THAT(error_of("[{\"dependency\": {\"repo-id\": \"org/a\", \"version\": 1}, \"lock\": {\"commit\": \"" + A40 +
                      "\", \"x\": 1}}]"),
             Catch::StartsWith("kernels.lock:1:121: unknown field `x`, expected `commit`"));
  CHECK_THAT(error_of("[1] x"), Catch::StartsWith("kernels.lock:1:5: trailing characters"));
  std::string entry = "{\"dependency\": {\"repo-id\": \"org/a\", \"version\": 1}, \"lock\": {\"commit\": \"" + A40 + "\"}}";
  CHECK_THAT(error_of("[" + entry + ",\n " + entry + "]"),
             Catch::StartsWith("kernels.lock:2:2: duplicate dependency: org/a (version 1)"));
  CHECK_THAT(error_of("[{\"dependency\": {}, \"dependency\": {}}]"),
             Catch::StartsWith("kernels.lock:1:35: duplicate field `dependency`"));
}

TEST_CASE("a lock in the pre-0.17 format says how to rewrite it", "[lock]") {
  auto msg = error_of("[\n  {\n    \"repo_id\": \"org/a\",\n    \"sha\": \"" + A40 + "\",\n    \"variants\": {}\n  }\n]");
  CHECK_THAT(msg, Catch::StartsWith("kernels.lock:3:16: unknown field `repo_id`, expected `dependency` or `lock`"));
  CHECK_THAT(msg, Catch::Contains("format of kernels < 0.17"));
}

