#include "server/commit_ndjson.hpp"

#include <nlohmann/json.hpp>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "server/lfs_pointer.hpp"

namespace kcpp::server {

using json = nlohmann::json;

namespace {

std::string string_field(const json& v, const char* key, std::size_t line, bool required = true) {
  auto it = v.find(key);
  if (it == v.end() || it->is_null()) {
    if (required) throw usage_error("commit line " + std::to_string(line) + ": missing '" + key + "'");
    return {};
  }
  if (!it->is_string()) throw usage_error("commit line " + std::to_string(line) + ": '" + key + "' must be a string");
  return it->get<std::string>();
}

}  // namespace

ParsedCommit parse_commit_ndjson(std::string_view body) {
  ParsedCommit out;
  bool have_header = false;
  std::size_t line_no = 0, pos = 0;
  while (pos < body.size()) {
    auto nl = body.find('\n', pos);
    if (nl == std::string_view::npos) nl = body.size();
    auto line = body.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    json obj = json::parse(line, nullptr, false);
    if (obj.is_discarded() || !obj.is_object())
      throw usage_error("commit line " + std::to_string(line_no) + " is not a JSON object");
    std::string key = string_field(obj, "key", line_no);
    auto vit = obj.find("value");
    if (vit == obj.end() || !vit->is_object())
      throw usage_error("commit line " + std::to_string(line_no) + ": 'value' must be an object");
    const json& v = *vit;
    if (key == "header") {
      if (have_header) throw usage_error("commit line " + std::to_string(line_no) + ": second header");
      have_header = true;
      out.summary = string_field(v, "summary", line_no);
      if (out.summary.empty()) throw usage_error("the commit summary must not be empty");
      out.description = string_field(v, "description", line_no, false);
      auto parent = string_field(v, "parentCommit", line_no, false);
      if (!parent.empty()) out.parent_commit = parent;
      continue;
    }
    if (!have_header) throw usage_error("the first commit line must be the header");
    CommitOperation op;
    op.path = string_field(v, "path", line_no);
    if (key == "file") {
      op.kind = CommitOperation::Kind::file;
      if (v.contains("oldPath")) throw usage_error("commit line " + std::to_string(line_no) + ": 'oldPath' is not supported");
      auto content = string_field(v, "content", line_no);
      auto encoding = string_field(v, "encoding", line_no, false);
      if (encoding.empty() || encoding == "utf-8") {
        op.content = std::move(content);
      } else if (encoding == "base64") {
        try {
          op.content = base64_decode(content);
        } catch (const Error& e) {
          throw usage_error("file '" + op.path + "': " + e.what());
        }
      } else {
        throw usage_error("file '" + op.path + "': unknown encoding '" + encoding + "'");
      }
    } else if (key == "lfsFile") {
      op.kind = CommitOperation::Kind::lfs_file;
      if (v.contains("oldPath")) throw usage_error("commit line " + std::to_string(line_no) + ": 'oldPath' is not supported");
      auto algo = string_field(v, "algo", line_no, false);
      if (!algo.empty() && algo != "sha256") throw usage_error("lfsFile '" + op.path + "': algo must be sha256");
      op.oid = string_field(v, "oid", line_no);
      if (!is_sha256_hex(op.oid)) throw usage_error("lfsFile '" + op.path + "': oid must be 64 lower-case hex");
      auto sit = v.find("size");
      if (sit == v.end() || !sit->is_number_unsigned())
        throw usage_error("lfsFile '" + op.path + "': size must be a non-negative integer");
      op.size = sit->get<std::uint64_t>();
    } else if (key == "deletedFile" || key == "deletedEntry") {
      op.kind = CommitOperation::Kind::deleted_file;
    } else if (key == "deletedFolder") {
      op.kind = CommitOperation::Kind::deleted_folder;
      while (op.path.size() > 1 && op.path.back() == '/') op.path.pop_back();
    } else {
      throw usage_error("commit line " + std::to_string(line_no) + ": unknown key '" + key + "'");
    }
    check_repo_path(op.path);
    out.operations.push_back(std::move(op));
  }
  if (!have_header) throw usage_error("the commit has no header line");
  return out;
}

}  // namespace kcpp::server
