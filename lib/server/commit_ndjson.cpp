#include "server/commit_ndjson.hpp"

#include <nlohmann/json.hpp>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "server/json_stream.hpp"
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

CommitStreamParser::CommitStreamParser(CommitEvents& events) : events_(events) {}
CommitStreamParser::~CommitStreamParser() = default;

void CommitStreamParser::feed(std::string_view data) {
  while (!data.empty()) {
    auto nl = data.find('\n');
    auto part = data.substr(0, nl);
    if (big_) {
      try {
        big_->feed(part);
      } catch (const Error& e) {
        throw usage_error("commit line " + std::to_string(line_no_ + 1) + ": " + e.what());
      }
    } else {
      line_.append(part);
      if (line_.size() > kMaxLineInMemory) {
        // Only an inline file may be this long: parse it as it arrives, its content decoded
        // into a sink instead of kept.
        big_ = std::make_unique<StreamedJsonObject>(
            std::vector<std::string>{"value", "content"},
            [this] {
              sink_ = &events_.begin_content();
              decoder_ = std::make_unique<Base64Stream>([this](std::string_view bytes) { sink_->write(bytes); });
            },
            [this](std::string_view text) { decoder_->feed(text); });
        try {
          big_->feed(line_);
        } catch (const Error& e) {
          throw usage_error("commit line " + std::to_string(line_no_ + 1) + ": " + e.what());
        }
        std::string().swap(line_);
      }
    }
    if (nl == std::string_view::npos) return;
    end_line();
    data.remove_prefix(nl + 1);
  }
}

void CommitStreamParser::finish() {
  if (big_ || !line_.empty()) end_line();
  if (!have_header_) throw usage_error("the commit has no header line");
}

void CommitStreamParser::end_line() {
  ++line_no_;
  if (big_) {
    auto big = std::move(big_);
    json obj;
    try {
      obj = big->finish();
    } catch (const Error& e) {
      throw usage_error("commit line " + std::to_string(line_no_) + ": " + e.what());
    }
    if (!big->streamed())
      throw usage_error("commit line " + std::to_string(line_no_) + " is longer than " +
                        std::to_string(kMaxLineInMemory) + " bytes but is not an inline file");
    handle_line(obj, true);
    return;
  }
  std::string_view line = line_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t") != std::string_view::npos) {
    json obj = json::parse(line, nullptr, false);
    if (obj.is_discarded() || !obj.is_object())
      throw usage_error("commit line " + std::to_string(line_no_) + " is not a JSON object");
    handle_line(obj, false);
  }
  line_.clear();
}

void CommitStreamParser::handle_line(const json& obj, bool content_streamed) {
  const std::size_t line_no = line_no_;
  std::string key = string_field(obj, "key", line_no);
  auto vit = obj.find("value");
  if (vit == obj.end() || !vit->is_object())
    throw usage_error("commit line " + std::to_string(line_no) + ": 'value' must be an object");
  const json& v = *vit;
  if (content_streamed && key != "file")
    throw usage_error("commit line " + std::to_string(line_no) + " is longer than " +
                      std::to_string(kMaxLineInMemory) + " bytes but is not an inline file");
  if (key == "header") {
    if (have_header_) throw usage_error("commit line " + std::to_string(line_no) + ": second header");
    have_header_ = true;
    CommitHeader header;
    header.summary = string_field(v, "summary", line_no);
    if (header.summary.empty()) throw usage_error("the commit summary must not be empty");
    header.description = string_field(v, "description", line_no, false);
    auto parent = string_field(v, "parentCommit", line_no, false);
    if (!parent.empty()) header.parent_commit = parent;
    events_.header(std::move(header));
    return;
  }
  if (!have_header_) throw usage_error("the first commit line must be the header");
  if (++operations_ > kMaxCommitOperations)
    throw usage_error("more than " + std::to_string(kMaxCommitOperations) + " operations in one commit")
        .hint("split the upload into several commits");
  CommitOperation op;
  op.path = string_field(v, "path", line_no);
  if (key == "file") {
    op.kind = CommitOperation::Kind::file;
    if (v.contains("oldPath")) throw usage_error("commit line " + std::to_string(line_no) + ": 'oldPath' is not supported");
    auto encoding = string_field(v, "encoding", line_no, false);
    if (content_streamed) {
      // Decoded as base64 while it arrived (huggingface_hub and our client send "content"
      // before "encoding", and always base64).
      if (encoding != "base64")
        throw usage_error("file '" + op.path + "': inline content longer than " + std::to_string(kMaxLineInMemory) +
                          " bytes must be base64-encoded");
      try {
        decoder_->finish();
      } catch (const Error& e) {
        throw usage_error("file '" + op.path + "': " + e.what());
      }
      decoder_.reset();
    } else {
      auto content = string_field(v, "content", line_no);
      std::string decoded;
      if (encoding.empty() || encoding == "utf-8") {
        decoded = std::move(content);
      } else if (encoding == "base64") {
        try {
          decoded = base64_decode(content);
        } catch (const Error& e) {
          throw usage_error("file '" + op.path + "': " + e.what());
        }
      } else {
        throw usage_error("file '" + op.path + "': unknown encoding '" + encoding + "'");
      }
      events_.begin_content().write(decoded);
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
  events_.operation(std::move(op));
}

namespace {

// Collects a whole commit in memory (parse_commit_ndjson).
class CollectingEvents final : public CommitEvents, public ContentSink {
 public:
  ParsedCommit out;
  void header(CommitHeader h) override {
    out.summary = std::move(h.summary);
    out.description = std::move(h.description);
    out.parent_commit = std::move(h.parent_commit);
  }
  ContentSink& begin_content() override {
    content_.clear();
    return *this;
  }
  void write(std::string_view bytes) override { content_.append(bytes); }
  void operation(CommitOperation op) override {
    if (op.kind == CommitOperation::Kind::file) op.content = std::move(content_);
    content_.clear();
    out.operations.push_back(std::move(op));
  }

 private:
  std::string content_;
};

}  // namespace

ParsedCommit parse_commit_ndjson(std::string_view body) {
  CollectingEvents events;
  CommitStreamParser parser(events);
  parser.feed(body);
  parser.finish();
  return std::move(events.out);
}

}  // namespace kcpp::server
