#pragma once
// Parsing for the write API's request bodies: the NDJSON commit payload (E12), read as it
// arrives. Every path taken off the wire passes check_repo_path (repo_path.hpp) before it
// reaches storage.
//
// A commit body can be large (inline files, base64), so it is never held whole: lines of up
// to kMaxLineInMemory bytes are parsed as they complete; a longer line must be an inline
// file, whose content is decoded while it arrives (json_stream.hpp) into a sink the caller
// provides (the server's spills to the LFS store), so memory stays bounded whatever the body.
// Junk is refused at its first bad line, not after the whole body was read.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/repo_path.hpp"  // check_repo_path: every path of a commit passes it

namespace kcpp::server {

class StreamedJsonObject;
class Base64Stream;

struct CommitOperation {
  enum class Kind { file, lfs_file, deleted_file, deleted_folder };
  Kind kind = Kind::file;
  std::string path;
  std::string content;     // file: decoded bytes (parse_commit_ndjson only; see CommitEvents)
  std::string oid;         // lfs_file: sha256
  std::uint64_t size = 0;  // lfs_file
};

struct CommitHeader {
  std::string summary;
  std::string description;
  std::optional<std::string> parent_commit;
};

// Receives the decoded bytes of one inline file.
class ContentSink {
 public:
  virtual ~ContentSink() = default;
  virtual void write(std::string_view bytes) = 0;
};

// What CommitStreamParser finds, in body order.
class CommitEvents {
 public:
  virtual ~CommitEvents() = default;
  virtual void header(CommitHeader header) = 0;
  // An inline file's content begins: the sink for its bytes (the file's path may come
  // after its content on the line: huggingface_hub sends "content" first).
  virtual ContentSink& begin_content() = 0;
  // One operation, complete; for Kind::file its bytes went to the last begin_content() sink.
  virtual void operation(CommitOperation op) = 0;
};

// Operations in one commit at most (each costs memory until the commit is written).
inline constexpr std::size_t kMaxCommitOperations = 50000;

class CommitStreamParser {
 public:
  static constexpr std::size_t kMaxLineInMemory = 1u << 20;

  explicit CommitStreamParser(CommitEvents& events);
  ~CommitStreamParser();
  CommitStreamParser(const CommitStreamParser&) = delete;
  CommitStreamParser& operator=(const CommitStreamParser&) = delete;

  // Throws kcpp::Error(usage) describing the bad line as soon as one is seen.
  void feed(std::string_view data);
  // The body ended: completes the last line (it needs no newline) and checks there was a header.
  void finish();

 private:
  void end_line();
  void handle_line(const nlohmann::json& obj, bool content_streamed);

  CommitEvents& events_;
  std::string line_;
  std::unique_ptr<StreamedJsonObject> big_;  // the current line, when longer than kMaxLineInMemory
  std::unique_ptr<Base64Stream> decoder_;
  ContentSink* sink_ = nullptr;
  std::size_t line_no_ = 0;
  std::size_t operations_ = 0;
  bool have_header_ = false;
};

struct ParsedCommit {
  std::string summary;
  std::string description;
  std::optional<std::string> parent_commit;
  std::vector<CommitOperation> operations;
};

// The whole body at once, inline contents in CommitOperation::content (tests, small bodies).
ParsedCommit parse_commit_ndjson(std::string_view body);

}  // namespace kcpp::server
