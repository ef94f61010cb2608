#pragma once
// The blobs/ directory of one cached repository: content-addressed files named by their
// expected hash, written so that a name never holds other content.
//
// ensure(): under the per-blob lock (.locks/<folder>/<etag>.lock, file_lock.hpp)
//   1. an existing blobs/<etag> is reused without a transfer (optionally re-hashed first);
//   2. otherwise bytes go to blobs/<etag>.incomplete — resumed from its current size when
//      a previous (crashed or interrupted) run left one: that prefix is re-hashed and the
//      transfer asks for the rest with Range;
//   3. every byte is hashed while it streams (sha256, or git's blob sha1 for non-LFS files);
//   4. only when size and hash match the expected etag is the file fsync'ed and renamed to
//      blobs/<etag> (atomic). A mismatch deletes the partial file and reports the computed
//      hash (a resumed prefix that turns out bad is retried once from byte 0).
// Transfer failures leave the .incomplete file for the next run to resume.
//
// Links and modes: every directory below the cache root (kernels--ns--name/, blobs/, .locks/,
// .locks/kernels--ns--name/) is walked without following symbolic links (fs::SafeDir): a
// link there is an error naming it, and nothing is written through it. Symbolic links found
// under a blob's, .incomplete's or .lock's own name (never ours) are not followed: they count
// as absent and are replaced. The .incomplete file is created 0600 & ~umask (unverified
// bytes are the owner's alone); the blob gets huggingface_hub's mode, 0666 & ~umask, when it
// is complete and verified.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <sys/types.h>

#include "cache/cache_layout.hpp"
#include "cache/download_plan.hpp"

namespace kcpp::cache {

struct BlobSpec {
  std::string etag;  // expected hash, lower-case hex
  HashKind kind = HashKind::git_blob_sha1;
  std::uint64_t size = 0;
};

struct BlobOutcome {
  enum class How { reused, downloaded } how = How::reused;
  std::string actual;                   // computed hash (hex); == etag when the blob is good
  std::uint64_t actual_size = 0;        // bytes the content had
  std::uint64_t transferred = 0;        // body bytes received from the network
  std::uint64_t resumed_from = 0;       // bytes of a previous .incomplete kept
  std::string expected;                 // the etag asked for
  bool ok() const { return actual == expected; }  // size is part of both hashes
};

// Streams the blob's bytes from OFFSET into SINK; calls ON_RESTART when the server ignored
// the Range and sends from byte 0 again. Throws on failure.
using Transfer = std::function<void(std::uint64_t offset, const std::function<bool(std::string_view)>& sink,
                                    const std::function<void()>& on_restart)>;

class BlobStore {
 public:
  // Reads the umask (for the blob mode) here: construct the store before starting threads.
  explicit BlobStore(CacheLayout layout);
  const CacheLayout& layout() const noexcept { return layout_; }

  bool has(std::string_view etag) const;

  // See the file comment. ON_BYTES reports body bytes as they arrive (for progress).
  // RECHECK re-hashes an existing blob and replaces it when it does not match its name.
  // Throws kcpp::Error (io for local failures, whatever TRANSFER throws otherwise).
  BlobOutcome ensure(const BlobSpec& spec, const Transfer& transfer,
                     const std::function<void(std::uint64_t)>& on_bytes = {}, bool recheck = false) const;

  // Hash of an existing file's content as SPEC.kind computes it (for recheck and tests).
  static std::string hash_file(const stdfs::path& path, const BlobSpec& spec);

 private:
  CacheLayout layout_;
  mode_t blob_mode_;  // 0666 & ~umask: huggingface_hub's mode for a finished blob
};

}  // namespace kcpp::cache
