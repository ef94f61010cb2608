#pragma once
// Internal: RAII ownership of libgit2 objects and error conversion. Only the git backend
// includes this header.
#include <git2.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace kcpp::server::git {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept {
    if (p != nullptr) Free(p);
  }
};

using Repository = std::unique_ptr<git_repository, Deleter<git_repository, git_repository_free>>;
using Reference = std::unique_ptr<git_reference, Deleter<git_reference, git_reference_free>>;
using Object = std::unique_ptr<git_object, Deleter<git_object, git_object_free>>;
using Commit = std::unique_ptr<git_commit, Deleter<git_commit, git_commit_free>>;
using Tree = std::unique_ptr<git_tree, Deleter<git_tree, git_tree_free>>;
using TreeEntry = std::unique_ptr<git_tree_entry, Deleter<git_tree_entry, git_tree_entry_free>>;
using Blob = std::unique_ptr<git_blob, Deleter<git_blob, git_blob_free>>;
using Signature = std::unique_ptr<git_signature, Deleter<git_signature, git_signature_free>>;
using Odb = std::unique_ptr<git_odb, Deleter<git_odb, git_odb_free>>;
using RefIterator =
    std::unique_ptr<git_reference_iterator, Deleter<git_reference_iterator, git_reference_iterator_free>>;
using TreeBuilder = std::unique_ptr<git_treebuilder, Deleter<git_treebuilder, git_treebuilder_free>>;

// libgit2's last error message for the calling thread (libgit2 keeps it per thread).
inline std::string last_error() {
  const git_error* e = git_error_last();
  return e != nullptr && e->message != nullptr ? e->message : "unknown libgit2 error";
}

// Throws kcpp::Error(failure) "WHAT: <libgit2 message>" when RC < 0.
inline void check(int rc, std::string_view what) {
  if (rc < 0) throw Error(ErrorKind::failure, std::string(what) + ": " + last_error());
}

inline std::string to_hex(const git_oid* oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, oid);
  return std::string(buf);
}

// Keeps libgit2 initialised for the lifetime of the owner (init/shutdown are ref-counted).
class Library {
 public:
  Library() { git_libgit2_init(); }
  ~Library() { git_libgit2_shutdown(); }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
};

}  // namespace kcpp::server::git
