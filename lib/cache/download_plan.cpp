#include "cache/download_plan.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <set>

#include "cache/cache_layout.hpp"
#include "cache/path_fold.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "repo/build_tree.hpp"
#include "core/strings.hpp"

namespace kcpp::cache {

namespace {

// Matches a "[...]" set starting at pattern[i] == '['. Returns the index after the set and
// whether C is in it; nullopt when the set has no closing ']' (then '[' is literal).
std::optional<std::pair<std::size_t, bool>> match_set(std::string_view p, std::size_t i, char c) {
  std::size_t j = i + 1;
  bool negate = false;
  if (j < p.size() && p[j] == '!') {
    negate = true;
    ++j;
  }
  std::size_t first = j;
  if (j < p.size() && p[j] == ']') ++j;
  while (j < p.size() && p[j] != ']') ++j;
  if (j >= p.size()) return std::nullopt;
  bool in = false;
  for (std::size_t k = first; k < j; ++k) {
    if (k + 2 < j && p[k + 1] == '-') {
      if (p[k] <= c && c <= p[k + 2]) in = true;
      k += 2;
    } else if (p[k] == c) {
      in = true;
    }
  }
  return std::pair{j + 1, in != negate};
}

bool is_hex(std::string_view s, std::size_t len) {
  if (s.size() != len) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

bool fnmatch_case(std::string_view p, std::string_view s) {
  std::size_t pi = 0, si = 0;
  std::size_t star_p = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < p.size()) {
      char pc = p[pi];
      if (pc == '*') {
        star_p = ++pi;
        star_s = si;
        continue;
      }
      if (pc == '?') {
        ++pi, ++si;
        continue;
      }
      if (pc == '[') {
        if (auto m = match_set(p, pi, s[si])) {
          if (m->second) {
            pi = m->first, ++si;
            continue;
          }
        } else if (s[si] == '[') {
          ++pi, ++si;
          continue;
        }
      } else if (pc == s[si]) {
        ++pi, ++si;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    pi = star_p;
    si = ++star_s;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool is_ignored_bytecode(std::string_view path) {
  return fnmatch_case("*.pyc", path) || fnmatch_case("**/__pycache__/**", path);
}


std::uint64_t DownloadPlan::total_bytes() const {
  std::uint64_t n = 0;
  for (const auto& f : files) n += f.size;
  return n;
}

std::vector<std::size_t> DownloadPlan::unique_blob_files() const {
  std::vector<std::size_t> out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < files.size(); ++i)
    if (seen.insert(files[i].etag).second) out.push_back(i);
  return out;
}

void check_tree_paths(const std::vector<hub::TreeEntry>& entries, const std::string& repo_label) {
  auto refuse = [](std::string message) {
    return Error(ErrorKind::parse, std::move(message))
        .hint("a tree listing that cannot be laid out as one file per path is refused before anything is written; "
              "the Hub (or something between it and you) is broken or hostile");
  };
  std::set<std::string> files, dirs;
  // collision_key(path) → the path first seen with it (files and directories), and the same
  // for files alone: names equal there are one name on macOS or Windows.
  std::map<std::string, std::string> folded, folded_files;
  for (const auto& e : entries) {
    if (!is_safe_repo_path(e.path))
      throw Error(ErrorKind::parse,
                  fmt::format("the Hub lists an unsafe file path in {}: '{}'", repo_label, log::escape_controls(e.path)))
          .hint("paths must be relative, without '.', '..' or empty components, backslashes or control characters; "
                "refusing to write outside the cache");
    const std::string key = collision_key(e.path);
    if (e.kind == hub::TreeEntry::Kind::directory) {
      dirs.insert(e.path);
    } else if (!files.insert(e.path).second) {
      throw refuse(fmt::format("the Hub lists the file '{}' twice in {}", e.path, repo_label));
    } else {
      folded_files.emplace(key, e.path);
    }
    auto [it, fresh] = folded.emplace(key, e.path);
    if (!fresh && it->second != e.path)
      throw refuse(fmt::format("the Hub lists '{}' and '{}' in {}: names that collide on file systems that ignore "
                               "case or Unicode normalisation (macOS, Windows)",
                               it->second, e.path, repo_label));
  }
  for (const auto& f : files) {
    if (dirs.count(f))
      throw refuse(fmt::format("the Hub lists '{}' both as a file and as a directory in {}", f, repo_label));
    // A file "inside" another file, also when the two differ only in case or normalisation.
    // collision_key maps characters one by one and never touches '/', so the key of a
    // prefix is the prefix of the key.
    const std::string key = collision_key(f);
    for (auto slash = key.find('/'); slash != std::string::npos; slash = key.find('/', slash + 1))
      if (auto it = folded_files.find(key.substr(0, slash)); it != folded_files.end())
        throw refuse(fmt::format("the Hub lists '{}' as a file and '{}' inside it in {}", it->second, f, repo_label));
  }
}

DownloadPlan plan_download(const std::vector<hub::TreeEntry>& entries,
                           const std::optional<std::vector<std::string>>& variants, const std::string& repo_label) {
  check_tree_paths(entries, repo_label);
  std::vector<std::string> allow;
  if (variants) {
    for (const auto& v : *variants) allow.push_back("build/" + v + "/*");
  } else {
    allow.push_back("build/*");
  }
  DownloadPlan plan;
  for (const auto& e : entries) {
    if (e.kind != hub::TreeEntry::Kind::file) continue;
    bool allowed = std::any_of(allow.begin(), allow.end(), [&](const auto& a) { return fnmatch_case(a, e.path); });
    if (!allowed || is_ignored_bytecode(e.path)) continue;
    PlannedFile f;
    f.path = e.path;
    if (auto p = repo::split_build_path(e.path); p && !p->rel.empty()) {
      f.variant = std::move(p->variant);
      f.rel = std::move(p->rel);
    }
    if (e.lfs) {
      f.kind = HashKind::sha256;
      f.etag = strings::ascii_lower(e.lfs->oid);
      f.size = e.lfs->size;
      if (!is_hex(f.etag, 64))
        throw Error(ErrorKind::parse,
                    fmt::format("the Hub lists no valid LFS sha256 for '{}' in {}: '{}'", e.path, repo_label, e.lfs->oid));
    } else {
      f.kind = HashKind::git_blob_sha1;
      f.etag = strings::ascii_lower(e.oid);
      f.size = e.size;
      // upstream locking: "Cannot get blob ID for {path}"
      if (!is_hex(f.etag, 40))
        throw Error(ErrorKind::parse, fmt::format("Cannot get blob ID for {} in {}", e.path, repo_label))
            .hint("the Hub's tree listing must give each file's git blob id (oid)");
    }
    plan.files.push_back(std::move(f));
  }
  std::sort(plan.files.begin(), plan.files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  std::map<std::string, VariantPlan> by_name;
  for (std::size_t i = 0; i < plan.files.size(); ++i) {
    const auto& f = plan.files[i];
    if (f.variant.empty()) continue;
    auto& vp = by_name[f.variant];
    vp.name = f.variant;
    vp.files.push_back(i);
  }
  // A selected variant with no files still gets an (empty) entry, so callers can say so.
  if (variants)
    for (const auto& v : *variants) by_name.try_emplace(v, VariantPlan{v, {}});
  for (auto& [name, vp] : by_name) plan.variants.push_back(std::move(vp));
  return plan;
}

}  // namespace kcpp::cache
