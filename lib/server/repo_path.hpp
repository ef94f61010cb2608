#pragma once
// Which paths a commit may create: git's own verify_path rules (read-cache.c, with
// core.protectHFS and core.protectNTFS on, as git sets them where they matter) plus a few of
// ours. A tree entry a client cannot check out safely must never be stored: every clone
// of the repository (git, huggingface_hub, our cache) would receive it.
//
// Refused, per '/'-separated component:
// - empty, "." and ".." (and leading, trailing or doubled '/');
// - ".git" in any letter case, and what HFS+ or NTFS turn into ".git": HFS+ ignores the
//   code points U+200C-U+200F, U+202A-U+202E, U+206A-U+206F and U+FEFF anywhere in a name
//   (".git\u200c" is ".git" on a Mac); NTFS drops trailing dots and spaces (".git. "),
//   reads "name:stream" as an alternate data stream of "name" (".git::$INDEX_ALLOCATION"),
//   and knows ".git" by its 8.3 short name "git~1";
// - ".gitmodules" under any of those aliases, exact name included: this server stores no
//   submodules and does not check .gitmodules contents the way `git fsck` does, so it takes
//   none (git refuses .gitmodules symlinks; fsck audits every .gitmodules blob);
// - components longer than 255 bytes (no file system can check them out).
// And for the whole path: NUL, the backslash (a separator on Windows: "a\..\x"), control
// characters (C0, DEL and C1: they would reach users' terminals through listings), invalid
// UTF-8, and more than 1000 bytes.
#include <optional>
#include <string>
#include <string_view>

namespace kcpp::server {

inline constexpr std::size_t kMaxRepoPathBytes = 1000;
inline constexpr std::size_t kMaxPathComponentBytes = 255;

// Why PATH may not be committed, or nullopt when it may.
std::optional<std::string> repo_path_problem(std::string_view path);

// Throws kcpp::Error(usage) "invalid path '<path, escaped>': <why>" when PATH may not be committed.
void check_repo_path(std::string_view path);

// The per-component rules, exposed for tests. NAME is one path component (no '/').
bool is_dotgit_alias(std::string_view name);         // ".git" for git, HFS+ or NTFS
bool is_dotgitmodules_alias(std::string_view name);  // ".gitmodules" for git, HFS+ or NTFS

}  // namespace kcpp::server
