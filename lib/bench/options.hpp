#pragma once
// `kernels benchmark` options after flag parsing, and the checks that make a bad command
// line a usage error (exit 2) before any download, torch load or GPU call.
//
//   kernels benchmark REPO (--version N | --revision R | REPO@vN | REPO@R) [flags]
//   kernels benchmark PATH [flags]          a local variant directory or kernel directory
//   kernels benchmark --reference-only      no kernel: the reference kernels (and torch eager)
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench/dtype.hpp"
#include "bench/workloads.hpp"

namespace kcpp::bench {

// Raw flag values, as CLI11 leaves them.
struct BenchFlags {
  std::string target;
  std::optional<std::string> version, revision;
  std::string ops = "all", dtypes = "fp32,fp16,bf16", workloads = "all";
  int warmup = 10, iterations = 100;
  std::optional<std::uint64_t> seed;
  bool json = false, dry_run = false, reference_only = false, torch_eager = false;
  std::optional<std::string> output;
};

// Where the kernel comes from.
struct KernelTarget {
  enum class Kind { none, local, hub } kind = Kind::none;
  std::string path;                     // local
  std::string repo_id;                  // hub
  std::optional<long> version;          // hub: branch v{N}
  std::optional<std::string> revision;  // hub: branch, tag or commit
  std::string warning;                  // "'a/b' exists locally but looks like a repo_id …"
};

struct BenchOptions {
  KernelTarget target;
  std::vector<int> ops;
  std::vector<DType> dtypes;
  std::vector<Workload> workloads;
  int warmup = 10, iterations = 100;
  std::optional<std::uint64_t> seed;
  bool json = false, dry_run = false, reference_only = false, torch_eager = false;
  std::optional<std::string> output;
};

// Validates FLAGS (kcpp::Error(usage) with a hint on any problem). IS_DIR tells whether a
// path names an existing directory (injected so tests need no files).
BenchOptions validate(const BenchFlags& flags, bool (*is_dir)(const std::string&));

// The Hub part of TARGET: "org/name@v2" → version 2; "org/name@main" → revision main;
// "org/name@3" → usage error "version must be prefixed with 'v'" (upstream's); the @ form
// with --version/--revision, both flags, or neither → usage errors.
KernelTarget parse_hub_target(const std::string& target, const std::optional<std::string>& version,
                              const std::optional<std::string>& revision);

}  // namespace kcpp::bench
