#include "publish/upload_plan.hpp"

#include <fmt/format.h>

#include <set>

#include "core/error.hpp"

namespace kcpp::publish {
namespace fs = std::filesystem;

namespace {

std::string generic(const fs::path& p) {
  std::string s = p.generic_string();
  for (auto& c : s)
    if (c == '\\') c = '/';
  return s;
}

hub::CommitOperation add(const std::string& path, const fs::path& local) {
  hub::CommitOperation op;
  op.kind = hub::CommitOperation::Kind::add;
  op.path_in_repo = path;
  op.local_file = local;
  return op;
}

hub::CommitOperation remove(const std::string& path) {
  hub::CommitOperation op;
  op.kind = hub::CommitOperation::Kind::delete_file;
  op.path_in_repo = path;
  return op;
}

bool is_benchmark_name(const std::string& name) {
  return name.starts_with("benchmark") && name.ends_with(".py");
}

}  // namespace

LocalFiles variant_files(const fs::path& build_dir, const std::vector<fs::path>& variants) {
  LocalFiles files;
  for (const auto& variant : variants) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(variant, fs::directory_options::follow_directory_symlink, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      std::error_code ec2;
      if (!it->is_regular_file(ec2)) continue;
      files.emplace("build/" + generic(fs::relative(it->path(), build_dir)), it->path());
    }
    if (ec) throw Error(ErrorKind::io, fmt::format("Cannot read `{}`: {}", variant.string(), ec.message()));
  }
  return files;
}

LocalFiles benchmark_files(const fs::path& kernel_dir) {
  LocalFiles files;
  const fs::path dir = kernel_dir / "benchmarks";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::error_code ec2;
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file(ec2) && is_benchmark_name(name)) files.emplace("benchmarks/" + name, entry.path());
  }
  return files;
}

std::vector<hub::CommitOperation> plan_main_branch(const fs::path& build_dir) {
  std::error_code ec;
  const fs::path card = build_dir / "CARD.md";
  if (!fs::is_regular_file(card, ec)) return {};
  return {add("README.md", card)};
}

std::vector<hub::CommitOperation> plan_version_branch(const VersionBranchInput& in) {
  std::vector<hub::CommitOperation> ops;
  for (const auto& [path, local] : in.benchmarks) ops.push_back(add(path, local));
  for (const auto& file : in.existing_files) {
    if (!file.starts_with("benchmarks/") || in.benchmarks.count(file)) continue;
    const std::string name = file.substr(file.rfind('/') + 1);
    if (in.new_branch || is_benchmark_name(name)) ops.push_back(remove(file));
  }
  std::vector<std::string> prefixes;
  if (in.new_branch) {
    prefixes.push_back("build/");
  } else {
    for (const auto& v : in.variant_names) prefixes.push_back("build/" + v + "/");
  }
  for (const auto& file : in.existing_files) {
    if (in.build.count(file)) continue;
    for (const auto& prefix : prefixes) {
      if (file.starts_with(prefix)) {
        ops.push_back(remove(file));
        break;
      }
    }
  }
  for (const auto& [path, local] : in.build) ops.push_back(add(path, local));
  return ops;
}

std::vector<std::vector<hub::CommitOperation>> batches(const std::vector<hub::CommitOperation>& ops,
                                                       std::size_t batch) {
  std::vector<std::vector<hub::CommitOperation>> out;
  for (std::size_t i = 0; i < ops.size(); i += batch)
    out.emplace_back(ops.begin() + static_cast<long>(i), ops.begin() + static_cast<long>(std::min(ops.size(), i + batch)));
  return out;
}

std::string commit_message(std::size_t index, std::size_t count) {
  if (count > 1) return fmt::format("Uploaded using `kernel-builder` (batch {}/{}).", index + 1, count);
  return "Uploaded using `kernel-builder`.";
}

}  // namespace kcpp::publish
