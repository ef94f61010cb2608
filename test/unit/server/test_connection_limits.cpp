// Connection caps (slowloris defence): per address, per IPv6 /64, and in all.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <catch2/catch.hpp>

#include <vector>

#include "server/connection_limits.hpp"

using namespace kcpp::server;

namespace {

std::string key4(const char* ip) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  inet_pton(AF_INET, ip, &a.sin_addr);
  return peer_key(reinterpret_cast<sockaddr*>(&a), sizeof a);
}

std::string key6(const char* ip) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  inet_pton(AF_INET6, ip, &a.sin6_addr);
  return peer_key(reinterpret_cast<sockaddr*>(&a), sizeof a);
}

}  // namespace

TEST_CASE("peers count per IPv4 address and per IPv6 /64", "[server][limits]") {
  CHECK(key4("127.0.0.1") == "v4:127.0.0.1");
  CHECK(key6("::ffff:10.1.2.3") == "v4:10.1.2.3");  // IPv4-mapped: the IPv4 address
  CHECK(key6("2001:db8:1:2:aaaa::1") == key6("2001:db8:1:2:bbbb::2"));
  CHECK(key6("2001:db8:1:2::1") != key6("2001:db8:1:3::1"));
  CHECK(key6("2001:db8:1:2::1") == "v6:2001:db8:1:2::/64");
  sockaddr un{};
  un.sa_family = AF_UNIX;
  CHECK(peer_key(&un, sizeof un).empty());
}

TEST_CASE("connections beyond a cap are refused until slots are released", "[server][limits]") {
  ConnectionLimits limits(ConnectionCaps{5, 2});
  std::vector<ConnectionLimits::Slot> held;
  auto a = limits.admit("v4:1.1.1.1");
  auto b = limits.admit("v4:1.1.1.1");
  REQUIRE(a);
  REQUIRE(b);
  CHECK_FALSE(limits.admit("v4:1.1.1.1"));  // per-address cap
  CHECK(limits.open_from("v4:1.1.1.1") == 2);
  for (const char* k : {"v4:2.2.2.2", "v4:3.3.3.3", ""}) {
    auto s = limits.admit(k);
    REQUIRE(s);
    held.push_back(std::move(*s));
  }
  CHECK(limits.open() == 5);
  CHECK_FALSE(limits.admit("v4:4.4.4.4"));  // total cap
  a.reset();                                // a slot is released when dropped
  CHECK(limits.open() == 4);
  CHECK(limits.admit("v4:1.1.1.1"));
  CHECK(limits.open() == 4);  // the temporary above was released again
  ConnectionLimits no_per_address(ConnectionCaps{3, 0});
  auto x = no_per_address.admit("v4:1.1.1.1"), y = no_per_address.admit("v4:1.1.1.1"),
       z = no_per_address.admit("v4:1.1.1.1");
  CHECK((x && y && z));
  CHECK_FALSE(no_per_address.admit("v4:1.1.1.1"));
}
