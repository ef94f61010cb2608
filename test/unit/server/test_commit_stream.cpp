// The NDJSON commit body parsed as it arrives: any split of the input gives the same result,
// lines longer than the in-memory limit are inline files whose content is decoded as it
// streams, and junk is refused at its first bytes.
#include <catch2/catch.hpp>

#include <random>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "server/commit_ndjson.hpp"
#include "server/json_stream.hpp"

using namespace kcpp;
using namespace kcpp::server;

namespace {

// Records operations; keeps inline contents (up to a point) and counts their bytes.
struct Recorder final : CommitEvents, ContentSink {
  std::vector<CommitOperation> ops;
  std::string content;
  std::size_t largest_write = 0;
  CommitHeader head;
  void header(CommitHeader h) override { head = std::move(h); }
  ContentSink& begin_content() override {
    content.clear();
    return *this;
  }
  void write(std::string_view b) override {
    largest_write = std::max(largest_write, b.size());
    content.append(b);
  }
  void operation(CommitOperation op) override {
    if (op.kind == CommitOperation::Kind::file) op.content = content;
    ops.push_back(std::move(op));
  }
};

std::string header_line() { return R"({"key":"header","value":{"summary":"s","description":"d"}})" "\n"; }

std::string file_line(const std::string& path, const std::string& bytes, bool content_first = true) {
  std::string b64 = base64_encode(bytes);
  if (content_first)
    return R"({"key":"file","value":{"content":")" + b64 + R"(","path":")" + path + R"(","encoding":"base64"}})" "\n";
  return R"({"value":{"encoding":"base64","path":")" + path + R"(","content":")" + b64 + R"("},"key":"file"})" "\n";
}

std::vector<CommitOperation> parse_in_pieces(const std::string& body, std::size_t piece) {
  Recorder r;
  CommitStreamParser p(r);
  for (std::size_t i = 0; i < body.size(); i += piece) p.feed(std::string_view(body).substr(i, piece));
  p.finish();
  return r.ops;
}

bool usage_error_on(const std::string& body) {
  try {
    parse_in_pieces(body, 4096);
  } catch (const Error& e) {
    return e.kind() == ErrorKind::usage;
  }
  return false;
}

}  // namespace

TEST_CASE("a commit body parses the same whatever pieces it arrives in", "[server][commit-stream]") {
  std::mt19937 rng(3);
  std::string big(CommitStreamParser::kMaxLineInMemory + 12345, '\0');
  for (auto& c : big) c = static_cast<char>(rng());
  std::string body = header_line() + file_line("small.txt", "hello\n") + file_line("big.bin", big) +
                     file_line("first-path.bin", big.substr(0, 1500000), false) +
                     R"({"key":"deletedFile","value":{"path":"old.txt"}})" "\r\n\n" +
                     R"({"key":"file","value":{"path":"u.txt","content":"caf\u00e9 \ud83d\ude00","encoding":"utf-8"}})";
  for (std::size_t piece : {1u, 7u, 4096u, 65536u, 100000000u}) {
    INFO(piece);
    auto ops = parse_in_pieces(body, piece);
    REQUIRE(ops.size() == 5);
    CHECK(ops[0].content == "hello\n");
    CHECK(ops[1].path == "big.bin");
    CHECK(ops[1].content == big);
    CHECK(ops[2].path == "first-path.bin");
    CHECK(ops[2].content == big.substr(0, 1500000));
    CHECK(ops[3].kind == CommitOperation::Kind::deleted_file);
    CHECK(ops[4].content == "caf\xc3\xa9 \xf0\x9f\x98\x80");
  }
}

TEST_CASE("a huge inline file is decoded as it streams, never held as a line", "[server][commit-stream]") {
  Recorder r;
  CommitStreamParser p(r);
  p.feed(header_line());
  std::string content(3 * CommitStreamParser::kMaxLineInMemory, 'x');
  std::string line = file_line("x.txt", content);
  for (std::size_t i = 0; i < line.size(); i += 65536) p.feed(std::string_view(line).substr(i, 65536));
  p.finish();
  REQUIRE(r.ops.size() == 1);
  CHECK(r.ops[0].content.size() == content.size());
  CHECK(r.largest_write < 70000);  // decoded in slices of about 64 KiB
}

TEST_CASE("junk and forbidden shapes are refused", "[server][commit-stream]") {
  std::string junk(CommitStreamParser::kMaxLineInMemory + 10, 'j');
  CHECK(usage_error_on(junk));
  CHECK(usage_error_on(header_line() + junk));
  // Long lines must be inline files, base64, with the content at value.content.
  std::string long_summary = R"({"key":"header","value":{"summary":")" + std::string(1100000, 's') + R"("}})" "\n";
  CHECK(usage_error_on(long_summary));
  std::string long_utf8 = R"({"key":"file","value":{"content":")" + std::string(1100000, 'a') +
                          R"(","path":"a.txt","encoding":"utf-8"}})" "\n";
  CHECK(usage_error_on(header_line() + long_utf8));
  std::string long_delete = R"({"key":"deletedFile","value":{"path":"a","content":")" + std::string(1100000, 'A') +
                            R"("}})" "\n";
  CHECK(usage_error_on(header_line() + long_delete));
  std::string bad_b64 = R"({"key":"file","value":{"content":")" + std::string(1100000, 'A') + "!" +
                        R"(","path":"a","encoding":"base64"}})" "\n";
  CHECK(usage_error_on(header_line() + bad_b64));
  std::string dup = R"({"key":"file","value":{"content":")" + std::string(1100000, 'A') + R"(","content":"AAAA","path":"a","encoding":"base64"}})" "\n";
  CHECK(usage_error_on(header_line() + dup));
  std::string unterminated = R"({"key":"file","value":{"content":")" + std::string(1100000, 'A');
  CHECK(usage_error_on(header_line() + unterminated));
  std::string bad_path = file_line(".git\u200c/config", std::string(1100000, 'x'));
  CHECK(usage_error_on(header_line() + bad_path));
}

TEST_CASE("junk is refused at its first bytes", "[server][commit-stream]") {
  Recorder r;
  CommitStreamParser p(r);
  p.feed(header_line());
  std::string big = "{\"key\":" + std::string(CommitStreamParser::kMaxLineInMemory, ' ');
  p.feed(big);  // still plausible: whitespace
  CHECK_THROWS_AS(p.feed("\x01"), Error);
}

TEST_CASE("streamed JSON objects: escapes, numbers, literals", "[server][commit-stream]") {
  std::string streamed;
  StreamedJsonObject o({"value", "content"}, [] {}, [&](std::string_view b) { streamed.append(b); });
  o.feed(R"( {"key" : "file", "n": -1.5e3, "t": true, "f": false, "z": null,)");
  o.feed(R"( "value": {"content": "a\"b\\c\/\n\u0041\ud83d\ude00", "size": 12}} )");
  auto j = o.finish();
  CHECK(streamed == "a\"b\\c/\nA\xf0\x9f\x98\x80");
  CHECK(j["value"]["content"] == "");
  CHECK(j["value"]["size"] == 12);
  CHECK(j["n"] == -1500.0);
  CHECK(j["t"] == true);
  CHECK(j["z"].is_null());
  for (const char* bad : {"[1]", "{\"a\":[1]}", "{\"a\":{\"b\":{\"c\":1}}}", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":tru}",
                          "{\"a\":\"\\ud800\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\x01\"}", "{\"a\":1}x", "{\"a\":1,\"a\":2}",
                          "{\"a\":\"\xff\"}"}) {
    INFO(bad);
    StreamedJsonObject s({"value", "content"}, [] {}, [](std::string_view) {});
    CHECK_THROWS_AS((s.feed(bad), s.finish()), Error);
  }
}

TEST_CASE("streamed base64 matches the strict decoder", "[server][commit-stream]") {
  for (const char* ok : {"", "YQ==", "YWI=", "YWJj", "YQ", "YWI", "IyBSZWFk\nbWUK"}) {
    std::string out;
    Base64Stream b([&](std::string_view s) { out.append(s); });
    for (const char* c = ok; *c; ++c) b.feed(std::string_view(c, 1));
    b.finish();
    CHECK(out == base64_decode(ok));
  }
  for (const char* bad : {"Y", "YQ=a", "YQ===", "Y Q==", "=YQ", "YQ=", "YQ==YQ=="}) {
    INFO(bad);
    Base64Stream b([](std::string_view) {});
    CHECK_THROWS_AS((b.feed(bad), b.finish()), Error);
  }
}
