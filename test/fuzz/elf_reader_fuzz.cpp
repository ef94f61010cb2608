// libFuzzer target for the binary readers of lib/abi: ELF, Mach-O and CUDA fat binaries,
// through the same entry point `kernels check` uses (analyze_library, which must never
// throw or crash on any input), plus the fat-binary parser on raw bytes. Built with
// clang++ -fsanitize=fuzzer,address,undefined by test/fuzz/CMakeLists.txt; ctest runs it
// for a bounded time (test/fuzz/run_fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "abi/analysis.hpp"
#include "abi/byte_reader.hpp"
#include "abi/fatbin.hpp"
#include "abi/policy_tables.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kcpp::abi;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  static const AbiOptions options = [] {
    AbiOptions o;
    o.manylinux = find_manylinux_policy("manylinux_2_28");
    o.torch_stable_abi = Version({2, 9});
    return o;
  }();
  const LibraryAnalysis a = analyze_library(bytes, options);
  (void)a.upstream_failed();
  for (const auto& e : a.gpu.entries) (void)can_run(e, {9, 0});
  FatbinListing listing;
  try {
    parse_fatbin_section(bytes, listing);
  } catch (const FormatError&) {
  }
  return 0;
}
