// check_server_url(): the gate for every URL a server hands us (security issue 12, items 1–3).
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "hub/server_url.hpp"

using namespace kcpp;
using namespace kcpp::hub;

namespace {

const std::string kBase = "http://127.0.0.1:8080/kernels/org/k/resolve/main/build/x/_ops.py";
const UrlPolicy kAny{};                 // endpoint http: http and https allowed
const UrlPolicy kHttpsOnly{true};       // endpoint https

std::string check(std::string_view url, const UrlPolicy& p = kAny, std::string_view base = kBase) {
  return check_server_url(url, base, p, "the test URL");
}

std::string refusal(std::string_view url, const UrlPolicy& p = kAny) {
  try {
    check(url, p);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::http);
    std::string all = e.what();
    for (const auto& c : e.causes()) all += "\n" + c;
    return all;
  }
  FAIL("accepted: " << url);
  return "";
}

}  // namespace

TEST_CASE("server URLs: only http and https, whatever the case", "[hub][server_url]") {
  for (const char* bad : {"file:///etc/passwd", "FILE:///etc/passwd", "File:/etc/passwd", "file:etc/passwd",
                          "gopher://127.0.0.1:6379/_SET%20k%20v", "dict://127.0.0.1:11211/stat", "DICT://x/y",
                          "ftp://127.0.0.1/x", "ldap://127.0.0.1/x", "smb://h/x", "scp://h/x", "tftp://h/x",
                          "telnet://h:23", "javascript:alert(1)", "data:text/plain,hi", "hTtPx://h/x"}) {
    INFO(bad);
    auto text = refusal(bad);
    CHECK_THAT(text, Catch::Contains("refusing the test URL from the server"));
    CHECK_THAT(text, Catch::Contains("only http:// and https://"));
  }
  CHECK(check("HTTPS://cdn.example/obj?sig=1") == "https://cdn.example/obj?sig=1");
  CHECK(check("Http://127.0.0.1:9/x") == "http://127.0.0.1:9/x");
}

TEST_CASE("server URLs: the refusal names the URL, redacted and escaped", "[hub][server_url]") {
  try {
    check("file:///home/u/.cache/huggingface/token?X-Amz-Signature=abcdef");
    FAIL("accepted");
  } catch (const Error& e) {
    std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains("file:///home/u/.cache/huggingface/token"));
    CHECK_THAT(msg, !Catch::Contains("abcdef"));
    CHECK_FALSE(e.hints().empty());
  }
  std::string long_url = "gopher://h/" + std::string(5000, 'a');
  try {
    check(long_url);
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).size() < 400);
  }
}

TEST_CASE("server URLs: spaces, control characters, backslashes and non-ASCII bytes are refused",
          "[hub][server_url]") {
  for (std::string bad : {std::string(" file:///x"), std::string("http://h/a b"), std::string("http://h/\x01"),
                          std::string("http://h/x\r\nX-Injected: 1"), std::string("http://h/\tx"),
                          std::string("http:\\\\evil\\x"), std::string("http://h\\@evil/x"),
                          std::string("http://h/caf\xc3\xa9"), std::string("http://h/\x7f"),
                          std::string("http://h/x\0y", 11)}) {
    INFO(bad);
    CHECK_THROWS_AS(check(bad), Error);
  }
  try {
    check("http://h/x\x1b[31m");
  } catch (const Error& e) {
    CHECK_THAT(std::string(e.what()), !Catch::Contains("\x1b"));
  }
}

TEST_CASE("server URLs: userinfo, bad hosts and ports are refused", "[hub][server_url]") {
  CHECK_THAT(refusal("https://huggingface.co@evil.example/x"), Catch::Contains("credentials"));
  CHECK_THAT(refusal("http://user:pw@127.0.0.1/x"), Catch::Contains("credentials"));
  CHECK_THAT(refusal("//user@evil/x"), Catch::Contains("credentials"));
  for (const char* bad : {"http:///x", "http://", "http:x", "http:/x", "http://h%2e/x", "http://a,b/x",
                          "http://h:0/x", "http://h:65536/x", "http://h:/x", "http://h:8o/x",
                          "http://h:999999999999999999999/x", "http://[::1/x", "http://[zz]/x"}) {
    INFO(bad);
    CHECK_THROWS_AS(check(bad), Error);
  }
  CHECK(check("http://[::1]:8080/x") == "http://[::1]:8080/x");
  CHECK(check("http://h:65535/x") == "http://h:65535/x");
}

TEST_CASE("server URLs: an https endpoint allows no http downgrade unless opted out", "[hub][server_url]") {
  CHECK(url_policy("https://huggingface.co", false).https_only);
  CHECK(url_policy("HTTPS://hub.example:8443", false).https_only);
  CHECK_FALSE(url_policy("https://huggingface.co", true).https_only);
  CHECK_FALSE(url_policy("http://127.0.0.1:8080", false).https_only);

  const std::string https_base = "https://huggingface.co/api/kernels/org/k/tree/main";
  CHECK(check("https://cdn.example/o", kHttpsOnly, https_base) == "https://cdn.example/o");
  auto text = [&](std::string_view url) {
    try {
      check(url, kHttpsOnly, https_base);
    } catch (const Error& e) {
      return std::string(e.what()) + "\n" + e.causes().front() + "\n" + e.hints().front();
    }
    return std::string("accepted");
  };
  CHECK_THAT(text("http://cdn.example/o"), Catch::Contains("unencrypted http"));
  CHECK_THAT(text("HTTP://cdn.example/o"), Catch::Contains("KCPP_ALLOW_HTTP_REDIRECTS"));
  CHECK_THAT(text("//cdn.example/o"), Catch::Contains("accepted"));  // takes the base's https
  // An http endpoint may send either.
  CHECK(check("https://cdn.example/o") == "https://cdn.example/o");
  CHECK(check("http://cdn.example/o") == "http://cdn.example/o");
}

TEST_CASE("server URLs: relative references resolve against the request URL", "[hub][server_url]") {
  CHECK(check("/api/kernels/org/k/tree/main?cursor=ab") == "http://127.0.0.1:8080/api/kernels/org/k/tree/main?cursor=ab");
  CHECK(check("other.py") == "http://127.0.0.1:8080/kernels/org/k/resolve/main/build/x/other.py");
  CHECK(check("../../../v1/build/x/_ops.py") == "http://127.0.0.1:8080/kernels/org/k/resolve/v1/build/x/_ops.py");
  CHECK(check("/a/./b/../c") == "http://127.0.0.1:8080/a/c");
  CHECK(check("/../../../etc/passwd") == "http://127.0.0.1:8080/etc/passwd");  // stays on the origin
  CHECK(check("?page=2") == "http://127.0.0.1:8080/kernels/org/k/resolve/main/build/x/_ops.py?page=2");
  CHECK(check("//cdn.example:9000/obj") == "http://cdn.example:9000/obj");
  CHECK(check("http://h/x#frag") == "http://h/x");
  CHECK(resolve_reference("http://h", "x") == "http://h/x");
  CHECK(resolve_reference("http://h/a/b?q", "") == "http://h/a/b?q");
  CHECK(resolve_reference("http://h/a/b", "c/") == "http://h/a/c/");
  CHECK(resolve_reference("http://h/a/b", "..") == "http://h/");
}
