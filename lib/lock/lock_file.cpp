#include "lock/lock_file.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <set>
#include <system_error>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/log.hpp"
#include "core/json_value.hpp"
#include "repo/commit_id.hpp"
#include "core/strings.hpp"

namespace kcpp::lock {

void LockFile::normalise() {
  std::sort(entries.begin(), entries.end(),
            [](const LockEntry& a, const LockEntry& b) { return a.dependency < b.dependency; });
  for (std::size_t i = 1; i < entries.size(); ++i)
    if (entries[i].dependency == entries[i - 1].dependency)
      throw Error(ErrorKind::failure, "duplicate dependency: " + entries[i].dependency.str());
}

const LockEntry* LockFile::find(const Dependency& d) const {
  auto it = std::lower_bound(entries.begin(), entries.end(), d,
                             [](const LockEntry& e, const Dependency& x) { return e.dependency < x; });
  return it != entries.end() && it->dependency == d ? &*it : nullptr;
}

namespace {

// serde_json's string escaping: ", \ and control characters; everything else verbatim.
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) out += fmt::format("\\u{:04x}", u);
        else out += c;
    }
  }
  out += '"';
}

}  // namespace

std::string to_json(const LockFile& lock) {
  if (lock.entries.empty()) return "[]";
  std::string out = "[\n";
  for (std::size_t i = 0; i < lock.entries.size(); ++i) {
    const auto& e = lock.entries[i];
    out += "  {\n    \"dependency\": {\n      \"repo-id\": ";
    append_json_string(out, e.dependency.repo.text());
    if (e.dependency.is_version()) {
      out += fmt::format(",\n      \"version\": {}", e.dependency.major());
    } else {
      out += ",\n      \"revision\": ";
      append_json_string(out, e.dependency.rev());
    }
    out += "\n    },\n    \"lock\": {\n      \"commit\": ";
    append_json_string(out, e.commit);
    out += "\n    }\n  }";
    out += i + 1 < lock.entries.size() ? ",\n" : "\n";
  }
  out += "]";
  return out;
}

namespace {

class LockReader {
 public:
  explicit LockReader(std::string display_path) : path_(std::move(display_path)) {}

  [[noreturn]] void fail(const TextPosition& at, const std::string& message, const std::string& hint = {}) const {
    // The message may quote the file's text: escaped, so it stays one line.
    Error e(ErrorKind::parse, log::escape_controls(fmt::format("{}:{}:{}: {}", path_, at.line, at.column, message)));
    e.hint(hint.empty() ? fmt::format("run `kernels lock` on the project to rewrite {}", path_) : hint);
    throw e;
  }

  // Members of an object, rejecting duplicates of known fields and unknown fields.
  std::vector<const JsonValue*> fields(const JsonValue& obj, const std::vector<std::string>& known,
                                       const std::string& expected, const std::string& type_name) const {
    if (!obj.is_object()) fail(obj.where, fmt::format("invalid type: {}, expected {}", obj.describe(), type_name));
    std::vector<const JsonValue*> out(known.size(), nullptr);
    for (const auto& [key, value] : obj.members) {
      auto it = std::find(known.begin(), known.end(), key);
      if (it == known.end()) {
        std::string hint;
        if (key == "repo_id" || key == "sha" || key == "variants")
          hint = fmt::format("{} is in the format of kernels < 0.17 (repo_id/sha/variants); run `kernels lock` "
                             "on the project to rewrite it in the current format", path_);
        fail(value.where, fmt::format("unknown field `{}`, expected {}", key, expected), hint);
      }
      auto& slot = out[static_cast<std::size_t>(it - known.begin())];
      if (slot) fail(value.where, fmt::format("duplicate field `{}`", key));
      slot = &value;
    }
    return out;
  }

  // Any string, as upstream reads it; where it stands goes with it for later errors.
  repo::StatedRepoId stated_id(const JsonValue& v) const {
    return {v.text, fmt::format("{}:{}:{}", path_, v.where.line, v.where.column)};
  }

  LockEntry entry(const JsonValue& v) const {
    auto f = fields(v, {"dependency", "lock"}, "`dependency` or `lock`", "struct LockEntry");
    if (!f[0]) fail(v.where, "missing field `dependency`");
    if (!f[1]) fail(v.where, "missing field `lock`");
    LockEntry e;
    e.dependency = dependency(*f[0]);
    auto l = fields(*f[1], {"commit"}, "`commit`", "struct KernelLock");
    if (!l[0]) fail(f[1]->where, "missing field `commit`");
    if (!l[0]->is_string()) fail(l[0]->where, fmt::format("invalid type: {}, expected a string", l[0]->describe()));
    if (!repo::is_commit_id(l[0]->text))
      fail(l[0]->where, "Invalid git object id, expected 40 or 64 hexadecimal digits: " + l[0]->text);
    e.commit = strings::ascii_lower(l[0]->text);
    return e;
  }

  Dependency dependency(const JsonValue& v) const {
    auto f = fields(v, {"repo-id", "version", "revision"}, "one of `repo-id`, `version`, `revision`",
                    "struct KernelDependency");
    if (!f[0]) fail(v.where, "missing field `repo-id`");
    if (!f[0]->is_string()) fail(f[0]->where, fmt::format("invalid type: {}, expected a string", f[0]->describe()));
    const JsonValue* version = f[1] && !f[1]->is_null() ? f[1] : nullptr;
    const JsonValue* revision = f[2] && !f[2]->is_null() ? f[2] : nullptr;
    if (version && revision) fail(v.where, "`version` and `revision` are mutually exclusive");
    if (!version && !revision) fail(v.where, "either `version` or `revision` must be specified");
    if (version) {
      if (version->type != JsonValue::Type::unsigned_integer)
        fail(version->where, fmt::format("invalid type: {}, expected usize", version->describe()));
      return Dependency::version(stated_id(*f[0]), version->unsigned_value);
    }
    if (!revision->is_string())
      fail(revision->where, fmt::format("invalid type: {}, expected a string", revision->describe()));
    return Dependency::revision(stated_id(*f[0]), revision->text);
  }

  LockFile read(std::string_view text) const {
    JsonValue doc;
    try {
      doc = parse_json(text);
    } catch (const JsonSyntaxError& e) {
      fail(e.where, e.what());
    }
    if (!doc.is_array()) fail(doc.where, fmt::format("invalid type: {}, expected a sequence", doc.describe()));
    LockFile lock;
    std::set<Dependency> seen;
    for (const auto& item : doc.items) {
      lock.entries.push_back(entry(item));
      // Reported at the second occurrence.
      if (!seen.insert(lock.entries.back().dependency).second)
        fail(item.where, "duplicate dependency: " + lock.entries.back().dependency.str());
    }
    lock.normalise();
    return lock;
  }

 private:
  std::string path_;
};

}  // namespace

LockFile parse_lock_file(std::string_view text, const std::string& display_path) {
  return LockReader(display_path).read(text);
}

std::optional<LockFile> read_lock_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  return parse_lock_file(fs::read_file(path), path.string());
}

}  // namespace kcpp::lock
