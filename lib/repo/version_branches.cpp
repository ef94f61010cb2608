#include "repo/version_branches.hpp"

#include <fmt/core.h>

#include <limits>
#include <map>

#include "core/fs.hpp"
#include "core/strings.hpp"

namespace kcpp::repo {

namespace stdfs = std::filesystem;

std::optional<long> parse_version_branch(std::string_view name) {
  if (name.empty() || name.front() != 'v') return std::nullopt;
  std::string_view s = name.substr(1);
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  long value = 0;
  bool prev_digit = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_') {
      // Python allows single underscores between digits only.
      if (!prev_digit || i + 1 >= s.size() || s[i + 1] < '0' || s[i + 1] > '9') return std::nullopt;
      prev_digit = false;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    if (value > (std::numeric_limits<long>::max() - 9) / 10) return std::nullopt;  // absurd; skip
    value = value * 10 + (c - '0');
    prev_digit = true;
  }
  return negative ? -value : value;
}

long version_argument(std::string_view text, std::string_view flag, bool allow_negative) {
  const auto v = parse_version_branch("v" + std::string(text));
  if (!v || (*v < 0 && !allow_negative))
    throw usage_error(fmt::format("argument {}: invalid int value: '{}'", flag, text))
        .hint(fmt::format("{} takes a major version number N (branch vN), e.g. {} 1", flag, flag));
  return *v;
}

std::vector<KernelVersion> kernel_versions(const std::vector<hub::GitRef>& branches) {
  std::map<long, hub::GitRef> by_number;
  for (const auto& b : branches)
    if (auto n = parse_version_branch(b.name)) by_number[*n] = b;
  std::vector<KernelVersion> out;
  for (auto& [n, ref] : by_number) out.push_back({n, ref});
  return out;
}

std::vector<KernelVersion> list_versions(const hub::HubClient& client, const hub::RepoId& repo) {
  try {
    return kernel_versions(client.list_refs(hub::RepoType::kernel, repo).branches);
  } catch (const Error& e) {
    rethrow_missing_kernel_repo(e, client, repo);
  }
}

std::vector<KernelVersion> cached_versions(const stdfs::path& cache, const hub::RepoId& repo) {
  std::map<long, hub::GitRef> by_number;
  for (hub::RepoType type : {hub::RepoType::kernel, hub::RepoType::model}) {
    auto refs = cache / hub::repo_folder_name(type, repo) / "refs";
    std::error_code ec;
    if (!stdfs::is_directory(refs, ec)) continue;
    for (const auto& entry : stdfs::directory_iterator(refs, ec)) {
      if (!entry.is_regular_file()) continue;
      auto name = entry.path().filename().string();
      auto n = parse_version_branch(name);
      if (!n) continue;
      try {
        by_number[*n] = hub::GitRef{name, name, strings::trim(fs::read_file(entry.path()))};
      } catch (const Error&) {
        continue;  // unreadable ref: skipped, as upstream does
      }
    }
  }
  std::vector<KernelVersion> out;
  for (auto& [n, ref] : by_number) out.push_back({n, ref});
  return out;
}

const KernelVersion* find_version(const std::vector<KernelVersion>& available, long wanted) {
  for (const auto& v : available)
    if (v.number == wanted) return &v;
  return nullptr;
}

Error version_not_found(long wanted, const std::vector<KernelVersion>& available, std::string_view context,
                        std::string hint, std::string no_versions_hint) {
  std::string list;
  for (const auto& v : available) list += (list.empty() ? "" : ", ") + std::to_string(v.number);
  return Error(ErrorKind::failure, fmt::format("{}Version {} not found, available versions: {}", context, wanted, list))
      .hint(available.empty() ? std::move(no_versions_hint) : std::move(hint));
}

void rethrow_missing_kernel_repo(const Error& error, const hub::HubClient& client, const hub::RepoId& repo) {
  if (error.kind() != ErrorKind::repo_not_found || !client.repo_exists(hub::RepoType::model, repo)) throw error;
  throw Error(ErrorKind::repo_not_found,
              fmt::format("'{}' exists only as a model repository; kernels must be kernel repositories "
                          "since kernels 0.14",
                          repo.str()))
      .hint("re-upload it as a kernel repository: `kernel-builder build-and-upload --repo-type kernel`");
}

}  // namespace kcpp::repo
