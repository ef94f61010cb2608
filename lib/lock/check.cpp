#include "lock/check.hpp"

#include <fmt/core.h>

namespace kcpp::lock {

std::vector<std::string> lock_differences(const LockFile& existing, const LockResult& fresh) {
  std::vector<std::string> out;
  for (const auto& want : fresh.lock.entries) {
    const auto& dep = want.dependency;
    const LockEntry* have = existing.find(dep);
    if (!have) {
      std::string line = dep.str() + ": not locked";
      if (auto it = fresh.required_by.find(dep); it != fresh.required_by.end())
        line += fmt::format(" (required by {})", it->second.str());
      out.push_back(std::move(line));
    } else if (have->commit != want.commit) {
      out.push_back(dep.is_version() ? fmt::format("{}: locked at {}, but branch v{} is now at {}", dep.str(),
                                                   have->commit, dep.major(), want.commit)
                                     : fmt::format("{}: locked at {}, expected {}", dep.str(), have->commit,
                                                   want.commit));
    }
  }
  for (const auto& have : existing.entries)
    if (!fresh.lock.find(have.dependency))
      out.push_back(have.dependency.str() + ": locked, but no longer a dependency");
  return out;
}

}  // namespace kcpp::lock
