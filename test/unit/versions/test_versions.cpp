#include <catch2/catch.hpp>

#include "core/fs.hpp"
#include "variant/listing.hpp"
#include "versions/versions.hpp"

using namespace kcpp;
using namespace kcpp::versions;

TEST_CASE("text output is upstream's, compact marks the preferred", "[versions]") {
  VersionsReport empty;
  empty.repo = hub::parse_repo_id("org/k");
  CHECK(render_text(empty) == "Repository does not support kernel versions: org/k\n");

  variant::System sys;
  sys.cpu = "x86_64";
  sys.os = "linux";
  sys.has_torch = true;
  sys.torch_version = variant::MajorMinor{2, 11};
  sys.torch_cxx11_abi = true;
  sys.backend = variant::parse_backend("cu130");
  VersionsReport r;
  r.repo = empty.repo;
  VersionReport v;
  v.version.number = 1;
  auto l = variant::parse_variant_names({"torch-cuda", "torch211-cxx11-cu130-x86_64-linux", "torch211-cxx11-cpu-x86_64-linux"});
  v.trace = variant::resolve(l.variants, sys, sys.backend);
  r.versions.push_back(v);
  CHECK(render_text(r) ==
        "Version 1:\n\n"
        "torch211-cxx11-cu130-x86_64-linux compatible, preferred ✅\n"
        "torch-cuda compatible ✅\n"
        "torch211-cxx11-cpu-x86_64-linux: backend (cpu) does not match selected backend (cu130)\n");
  CHECK(render_compact(r) ==
        "Version 1: torch-cuda, torch211-cxx11-cpu-x86_64-linux, torch211-cxx11-cu130-x86_64-linux ✅\n");
}
