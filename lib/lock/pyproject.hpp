#pragma once
// The kernel dependencies of a Python project: `[tool.kernels.dependencies]` in
// pyproject.toml (upstream: kernels/locking.py, docs/upstream.md), read with toml++.
//
//   [tool.kernels.dependencies]
//   "kernels-community/activation" = 1      # repo id = integer major version (branch v1)
//
// Stricter than upstream where upstream crashes or guesses: a string (the pre-0.15
// version specifiers such as ">=0.0.2,<0.1"), a boolean, a float or a negative number is
// an error naming the key, FILE:LINE:COL and the fix; so is a key that is not a valid
// repo id. Errors are kcpp::Error(parse) (exit 1), each with a hint.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/text_position.hpp"

namespace kcpp::lock {

struct PyprojectDependency {
  std::string repo_id;     // validated "namespace/name"
  std::uint64_t version;   // major version N → branch v{N}
  TextPosition key_at;     // where the key starts
  TextPosition value_at;   // where the version starts
};

struct Pyproject {
  std::string path;                               // as given (for messages)
  std::vector<PyprojectDependency> dependencies;  // in document order
};

// Parses pyproject.toml TEXT; DISPLAY_PATH names the file in messages. Errors:
//  - malformed TOML                       → "PATH:LINE:COL: <toml++'s description>"
//  - no [tool.kernels.dependencies]       → "PATH has no [tool.kernels.dependencies] table"
//  - tool / tool.kernels / …dependencies not a table
//  - an empty table                       → "No kernels found to lock." (as upstream)
//  - a non-integer or negative version, an invalid repo id → "PATH:LINE:COL: …"
Pyproject parse_pyproject(std::string_view text, const std::string& display_path);

// Reads PROJECT_DIR/pyproject.toml (kcpp::Error(io) when it cannot be read).
Pyproject read_pyproject(const std::filesystem::path& project_dir);

}  // namespace kcpp::lock
