// URLs in kernels-hub's answers come from configuration, never from the request's Host.
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "server/public_urls.hpp"

using namespace kcpp;
using namespace kcpp::server;

TEST_CASE("base URLs are checked and normalised", "[server][urls]") {
  CHECK(normalize_base_url("http://hub.example", "--public-url") == "http://hub.example");
  CHECK(normalize_base_url("https://hub.example:8443/hub/", "--public-url") == "https://hub.example:8443/hub");
  CHECK(normalize_base_url("http://[::1]:80", "x") == "http://[::1]:80");
  CHECK(normalize_base_url("http://127.0.0.1:5000//", "x") == "http://127.0.0.1:5000");
  for (const char* bad : {"", "hub.example", "ftp://hub", "http://", "http://:80", "http://user@hub",
                          "http://a b", "http://hub/?x=1", "http://hub/#f", "http://hub:0", "http://hub:65536",
                          "http://hub:", "http://hub:8x", "http://[::1", "http://[::1]x", "http://hub\r\nX: y",
                          "http://evil.example\\@hub"}) {
    INFO(bad);
    CHECK_THROWS_AS(normalize_base_url(bad, "--public-url"), Error);
  }
  CHECK(base_url_host("https://hub.example:8443/p") == "hub.example");
  CHECK(base_url_host("http://[::1]:80") == "[::1]");
}

TEST_CASE("public URLs: configured, else the bound address; no request input", "[server][urls]") {
  auto bound = public_urls(std::nullopt, std::nullopt, "127.0.0.1", 5000, 5001);
  CHECK(bound.api == "http://127.0.0.1:5000");
  CHECK(bound.lfs == "http://127.0.0.1:5001");
  auto v6 = public_urls(std::nullopt, std::nullopt, "::1", 5000, 5001);
  CHECK(v6.api == "http://[::1]:5000");
  CHECK(v6.lfs == "http://[::1]:5001");
  auto pub = public_urls(std::string("https://hub.example/api-prefix/"), std::nullopt, "0.0.0.0", 5000, 5001);
  CHECK(pub.api == "https://hub.example/api-prefix");
  CHECK(pub.lfs == "http://hub.example:5001");  // the LFS listener, on the name clients use
  auto both = public_urls(std::string("http://a:1"), std::string("https://cdn.example/lfs/"), "0.0.0.0", 5, 6);
  CHECK(both.lfs == "https://cdn.example/lfs");
  CHECK(is_wildcard_host("0.0.0.0"));
  CHECK(is_wildcard_host("::"));
  CHECK_FALSE(is_wildcard_host("127.0.0.1"));
}
