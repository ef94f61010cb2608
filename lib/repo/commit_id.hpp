#pragma once
#include <string_view>

namespace kcpp::repo {

// Whether S is a full git commit id as upstream accepts one: 40 or 64 hex digits, any case
// (the commit is its lower-case form). Used for kernels.lock, kernel-depends and --revision.
bool is_commit_id(std::string_view s);

}  // namespace kcpp::repo
