#pragma once
// `kernels lock --check`: whether an existing kernels.lock still says what `kernels lock`
// would write now (same dependencies, same commits), and if not, what differs.
#include <string>
#include <vector>

#include "lock/lock_file.hpp"
#include "lock/locker.hpp"

namespace kcpp::lock {

// One line per difference, in dependency order:
//   "org/a (version 1): not locked"                       (+ " (required by …)")
//   "org/a (version 1): locked at <old>, but branch v1 is now at <new>"
//   "org/a (revision <r>): locked at <old>, expected <new>"
//   "org/z (version 2): locked, but no longer a dependency"
// Empty when the lock is up to date.
std::vector<std::string> lock_differences(const LockFile& existing, const LockResult& fresh);

}  // namespace kcpp::lock
