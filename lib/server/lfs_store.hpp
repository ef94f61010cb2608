#pragma once
// Content-addressed store for LFS objects, keyed by the sha256 of their content.
//
// LfsStore is the interface the HTTP layer and the commit path use; FsLfsStore keeps objects
// as ROOT/lfs/objects/{oid[0:2]}/{oid[2:4]}/{oid} (git-lfs's own layout). A later S3 or
// mirror backend implements the same interface. Objects are immutable: writers stream into a
// temp file and rename it into place, so readers never see a partial object.
#include <cstdint>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "server/lfs_pointer.hpp"

namespace kcpp::server {

// Random-access reader over one stored object; safe to use from one thread at a time.
class LfsReader {
 public:
  virtual ~LfsReader() = default;
  virtual std::uint64_t size() const = 0;
  // Reads up to LEN bytes at OFFSET into BUF; returns the count (0 at end of object).
  // Throws kcpp::Error(io) on a read failure.
  virtual std::size_t read_at(std::uint64_t offset, char* buf, std::size_t len) = 0;
};

// One object on its way into the store (see LfsStore::begin_upload). Bytes are appended to a
// temp file on the store's own file system and hashed as they come, so a large upload never
// sits in memory; only publish() makes them visible, by renaming the finished file under the
// object's name. Destroyed without publish() (any failure path), the temp file is removed.
class LfsUpload {
 public:
  virtual ~LfsUpload() = default;
  // Appends LEN bytes. Throws kcpp::Error(io) when the write fails (disk full, ...).
  virtual void write(const char* data, std::size_t len) = 0;
  // Bytes written so far.
  virtual std::uint64_t size() const = 0;
  // Ends the writing (flushed to disk) and returns what was written: its sha256 and size.
  // Nothing is visible in the store yet, so the caller can still refuse the content.
  virtual LfsPointer finish() = 0;
  // Moves the finished object into place atomically; when that object is already stored
  // (content-addressed: same bytes), the existing one is kept and the temp file dropped.
  virtual void publish() = 0;
};

class LfsStore {
 public:
  virtual ~LfsStore() = default;
  // Size of object OID, or nullopt when it is not stored (or OID is not 64 lower-case hex).
  virtual std::optional<std::uint64_t> size_of(std::string_view oid) const = 0;
  // A reader for OID, or nullptr when it is not stored.
  virtual std::unique_ptr<LfsReader> open(std::string_view oid) const = 0;
  // Copies the file at SRC into the store, hashing while copying, and returns its pointer.
  // Idempotent: storing the same content twice keeps one object.
  virtual LfsPointer put_file(const std::filesystem::path& src) = 0;
  // Starts writing a new object whose id is known only once its bytes are (see LfsUpload).
  virtual std::unique_ptr<LfsUpload> begin_upload() = 0;
  // Removes uploads left unfinished by a process that died (killed mid-upload, power loss)
  // and last written more than OLDER_THAN ago; returns how many. Younger ones may belong to a
  // live writer (`kernels-hub commit` next to a running server) and are kept.
  virtual std::size_t remove_stale_uploads(std::chrono::seconds older_than) = 0;
};

class FsLfsStore final : public LfsStore {
 public:
  // DIR is ROOT/lfs; `objects/` and `tmp/` are created below it on demand.
  explicit FsLfsStore(std::filesystem::path dir);

  std::filesystem::path object_path(std::string_view oid) const;

  std::optional<std::uint64_t> size_of(std::string_view oid) const override;
  std::unique_ptr<LfsReader> open(std::string_view oid) const override;
  LfsPointer put_file(const std::filesystem::path& src) override;
  std::unique_ptr<LfsUpload> begin_upload() override;
  std::size_t remove_stale_uploads(std::chrono::seconds older_than) override;
  // Where uploads are written before they are published (DIR/tmp: the same file system as
  // the objects, so publishing is a rename).
  std::filesystem::path tmp_dir() const;

 private:
  std::filesystem::path dir_;
};

}  // namespace kcpp::server
