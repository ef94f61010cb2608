// fetch_blobs and download_kernel against a real kernels-hub process (tag [live]): the cache
// layout they leave, no transfer for cached blobs, and a tampered LFS object refused.
#include <catch2/catch.hpp>

#include <atomic>

#include "cache/kernel_download.hpp"
#include "core/fs.hpp"
#include "core/hash.hpp"
#include "../support/hub_process.hpp"

using namespace kcpp;
using namespace kcpp::cache;

namespace {

std::string binary(std::size_t n, int seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed) % 251);
  return s;
}

const char* kMetadata =
    R"({"id": "_relu_1", "name": "relu", "version": 1, "license": "apache-2.0", "python-depends": [],)"
    R"( "backend": {"type": "cpu"}})";

struct CountingReporter : DownloadReporter {
  std::atomic<std::uint64_t> bytes_seen{0};
  std::atomic<int> files{0};
  void bytes(std::uint64_t n) override { bytes_seen += n; }
  void file_done(const std::string&, const BlobOutcome&) override { ++files; }
};

variant::System cpu_system() {
  variant::System s;
  s.cpu = "x86_64";
  s.os = "linux";
  s.has_torch = true;
  s.torch_version_full = "2.11.0";
  s.torch_version = variant::MajorMinor{2, 11};
  s.torch_cxx11_abi = true;
  s.backend = variant::Backend{variant::BackendKind::cpu, {}};
  return s;
}

struct Fixture {
  test::HubProcess hub;
  std::string so = binary(400 * 1024, 5);
  std::string sha;
  fs::TempDir cache{"kcpp-cache-test"};
  hub::HubClient client{[&] {
    hub::ClientSettings s;
    s.endpoint = hub.url();
    s.retry.base_delay_s = 0.01;
    return s;
  }()};
  const std::string cpu_variant = "torch211-cxx11-cpu-x86_64-linux";

  Fixture() {
    auto src = hub.scratch() / "src";
    for (std::string v : {cpu_variant, std::string("torch211-cxx11-cu130-x86_64-linux")}) {
      fs::atomic_write(src / "build" / v / "__init__.py", "from ._ops import ops\n");
      fs::atomic_write(src / "build" / v / "metadata.json", kMetadata);
      fs::atomic_write(src / "build" / v / "_ops.so", so);
    }
    fs::atomic_write(src / "README.md", "# relu\n");
    sha = hub.commit("org/relu", src, "v1");
  }

  lock::LockEntry entry() const { return {lock::Dependency::version("org/relu", 1), sha}; }
  std::filesystem::path snapshot() const { return cache.path() / "kernels--org--relu/snapshots" / sha; }
};

}  // namespace

TEST_CASE_METHOD(Fixture, "download_kernel publishes the preferred variant, then reuses its blobs", "[cache][live]") {
  CountingReporter rep;
  auto sys = cpu_system();
  auto r = download_kernel(client, cache.path(), entry(), sys, sys.backend, {}, rep);
  INFO((r.error ? r.error->what() : r.message));
  REQUIRE(r.status == KernelResult::Status::ok);
  REQUIRE(r.variants.size() == 1);
  const auto& v = r.variants[0];
  CHECK(v.name == cpu_variant);
  CHECK(v.path == snapshot() / "build" / cpu_variant);
  CHECK(v.files == 3);
  CHECK(v.fetched == 3);
  CHECK(rep.bytes_seen == so.size() + std::string(kMetadata).size() + 22);
  CHECK(std::filesystem::read_symlink(v.path / "_ops.so") == "../../../../blobs/" + hash::sha256_hex(so));
  CHECK(fs::read_file(v.path / "_ops.so") == so);
  CHECK(fs::read_file(v.path / "__init__.py") == "from ._ops import ops\n");
  CHECK_FALSE(std::filesystem::exists(snapshot() / "README.md"));
  CHECK_FALSE(std::filesystem::exists(cache.path() / "kernels--org--relu/trees"));
  CHECK(std::filesystem::exists(cache.path() / "CACHEDIR.TAG"));

  CountingReporter again;
  auto r2 = download_kernel(client, cache.path(), entry(), sys, sys.backend, {}, again);
  REQUIRE(r2.status == KernelResult::Status::ok);
  CHECK(r2.variants[0].reused == 3);
  CHECK(again.bytes_seen == 0);
  CHECK(again.files == 0);
  CHECK(r2.variants[0].hash == v.hash);
}

TEST_CASE_METHOD(Fixture, "all variants share blobs and get one verified hash each", "[cache][live]") {
  CountingReporter rep;
  auto sys = cpu_system();
  DownloadOptions o;
  o.all_variants = true;
  o.jobs = 3;
  auto r = download_kernel(client, cache.path(), entry(), sys, sys.backend, o, rep);
  REQUIRE(r.status == KernelResult::Status::ok);
  REQUIRE(r.variants.size() == 2);
  CHECK(r.variants[0].hash == r.variants[1].hash);  // identical contents
  CHECK(rep.files == 3);                             // 3 distinct blobs for 6 files
}

TEST_CASE_METHOD(Fixture, "no compatible variant gives upstream's trace", "[cache][live]") {
  CountingReporter rep;
  auto sys = cpu_system();
  sys.cpu = "aarch64";
  auto r = download_kernel(client, cache.path(), entry(), sys, sys.backend, {}, rep);
  REQUIRE(r.status == KernelResult::Status::no_variant);
  CHECK(r.message.rfind("Cannot find a build variant for this system in org/relu (revision: " + sha + "):\n\n", 0) == 0);
  CHECK_THAT(r.message, Catch::Contains("torch211-cxx11-cpu-x86_64-linux: CPU (x86_64) does not match system CPU "
                                        "(aarch64)"));
  CHECK_FALSE(std::filesystem::exists(snapshot()));
}

TEST_CASE_METHOD(Fixture, "a tampered LFS object is refused and nothing is published", "[cache][live]") {
  auto oid = hash::sha256_hex(so);
  auto object = hub.root() / "lfs/objects" / oid.substr(0, 2) / oid.substr(2, 2) / oid;
  REQUIRE(std::filesystem::exists(object));
  auto bad = so;
  bad[1000] ^= 0x55;
  fs::atomic_write(object, bad);
  CountingReporter rep;
  auto sys = cpu_system();
  auto r = download_kernel(client, cache.path(), entry(), sys, sys.backend, {}, rep);
  REQUIRE(r.status == KernelResult::Status::failed);
  REQUIRE(r.error);
  CHECK(r.error->kind() == ErrorKind::verification);
  CHECK(std::string(r.error->what()) == "org/relu (variant " + cpu_variant + "): content of 'build/" + cpu_variant +
                                            "/_ops.so' does not match commit " + sha);
  CHECK_FALSE(std::filesystem::exists(snapshot()));
  CHECK_FALSE(std::filesystem::exists(cache.path() / "kernels--org--relu/blobs" / oid));
}
