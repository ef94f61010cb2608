#pragma once
// Parsing for the write API's request bodies: the NDJSON commit payload (E12). Every path
// taken off the wire passes check_repo_path (repo_path.hpp) before it reaches storage.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/repo_path.hpp"  // check_repo_path: every path of a commit passes it

namespace kcpp::server {

struct CommitOperation {
  enum class Kind { file, lfs_file, deleted_file, deleted_folder };
  Kind kind = Kind::file;
  std::string path;
  std::string content;     // file: decoded bytes
  std::string oid;         // lfs_file: sha256
  std::uint64_t size = 0;  // lfs_file
};

struct ParsedCommit {
  std::string summary;
  std::string description;
  std::optional<std::string> parent_commit;
  std::vector<CommitOperation> operations;
};

// Parses the NDJSON body of POST /api/{T}/{id}/commit/{rev}. The header line must come
// first; unknown keys are rejected. Throws kcpp::Error(usage) describing the bad line.
ParsedCommit parse_commit_ndjson(std::string_view body);

}  // namespace kcpp::server
