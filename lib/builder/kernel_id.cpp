#include "builder/kernel_id.hpp"

#include <fmt/core.h>
#include <git2.h>

#include <random>

namespace kcpp::builder {

namespace {

// libgit2 handles freed on scope exit.
template <typename T, void (*Free)(T*)>
struct Handle {
  T* p = nullptr;
  ~Handle() {
    if (p) Free(p);
  }
};

struct Library {
  Library() { git_libgit2_init(); }
  ~Library() { git_libgit2_shutdown(); }
};

}  // namespace

std::optional<GitState> git_state(const std::filesystem::path& dir) {
  Library lib;
  git_buf root = GIT_BUF_INIT;
  if (git_repository_discover(&root, dir.c_str(), 0, nullptr) != 0) return std::nullopt;
  Handle<git_repository, git_repository_free> repo;
  int rc = git_repository_open(&repo.p, root.ptr);
  git_buf_dispose(&root);
  if (rc != 0) return std::nullopt;

  Handle<git_reference, git_reference_free> head;
  if (git_repository_head(&head.p, repo.p) != 0) return std::nullopt;
  Handle<git_object, git_object_free> obj;
  if (git_reference_peel(&obj.p, head.p, GIT_OBJECT_COMMIT) != 0) return std::nullopt;
  const git_commit* commit = reinterpret_cast<const git_commit*>(obj.p);

  GitState s;
  s.commit = git_oid_tostr_s(git_commit_id(commit));
  s.tree = git_oid_tostr_s(git_commit_tree_id(commit));

  // Tracked changes only: no untracked files, no submodules (upstream's StatusOptions).
  git_status_options opts;
  git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
  opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  opts.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
  Handle<git_status_list, git_status_list_free> status;
  if (git_status_list_new(&status.p, repo.p, &opts) != 0) return std::nullopt;
  s.dirty = git_status_list_entrycount(status.p) > 0;
  return s;
}

std::string base32_lower(std::string_view bytes) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

std::string unique_id(const std::optional<GitState>& git) {
  if (git) return git->tree.substr(0, 7) + (git->dirty ? "_dirty" : "");
  std::random_device rd;
  std::uint64_t v = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);  // to_le_bytes
  return base32_lower(bytes);
}

std::string ops_id(const std::string& python_name, std::string_view backend, const std::string& unique) {
  return fmt::format("_{}_{}_{}", python_name, backend, unique);
}

}  // namespace kcpp::builder
