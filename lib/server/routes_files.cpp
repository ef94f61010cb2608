// File downloads: resolve (E4) and the LFS object endpoint that LFS redirects point to.
//
// Regular files are git blobs (< 10 MiB by the commit rule), answered from memory. LFS files
// are answered with a 302 to /lfs-objects/<sha256> on this server, whose body is streamed
// from the LfsStore through a content provider in 64 KiB slices, never loaded whole.
#include <array>

#include "server/http_errors.hpp"
#include "server/http_util.hpp"
#include "server/lfs_pointer.hpp"
#include "server/routes.hpp"

namespace kcpp::server {

namespace {

constexpr const char* kOctetStream = "application/octet-stream";
constexpr std::size_t kChunk = 64 * 1024;

std::string etag_value(const std::string& s) { return "\"" + s + "\""; }

// Applies the Range header to a resource of SIZE bytes: sets status, Content-Range and the
// 416 error; returns the slice to send, or nullopt when the 416 has been set.
std::optional<http::ByteRange> apply_range(RequestContext& ctx, std::uint64_t size) {
  auto decision = http::decide_range(ctx.req.get_header_value("Range"), size);
  switch (decision.kind) {
    case http::RangeDecision::Kind::unsatisfiable:
      set_error(ctx.res, 416, "RangeNotSatisfiable",
                "Requested range not satisfiable: " + ctx.req.get_header_value("Range") + " (size " +
                    std::to_string(size) + ")");
      ctx.res.set_header("Content-Range", "bytes */" + std::to_string(size));
      return std::nullopt;
    case http::RangeDecision::Kind::partial:
      ctx.res.status = 206;
      ctx.res.set_header("Content-Range", "bytes " + std::to_string(decision.range.first) + "-" +
                                              std::to_string(decision.range.last) + "/" + std::to_string(size));
      return decision.range;
    case http::RangeDecision::Kind::full:
      break;
  }
  ctx.res.status = 200;
  if (size == 0) return http::ByteRange{0, 0};  // length() would be 1; callers check size
  return http::ByteRange{0, size - 1};
}

void send_bytes(RequestContext& ctx, const std::string& bytes) {
  auto range = apply_range(ctx, bytes.size());
  if (!range) return;
  if (bytes.empty()) {
    ctx.res.set_content("", kOctetStream);
    return;
  }
  ctx.res.set_content(bytes.data() + range->first, range->length(), kOctetStream);
}

}  // namespace

void handle_resolve(RequestContext& ctx, const RepoId& repo, const std::string& revision, const std::string& path) {
  CommitInfo commit = ctx.storage.resolve_revision(repo, revision);
  FileBlob file;
  try {
    file = ctx.storage.read_file(repo, commit.sha, path);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::entry_not_found) throw;
    // Clients record "absent at this commit" (.no_exist) from this header.
    set_error(ctx.res, 404, "EntryNotFound", e.what());
    ctx.res.set_header("X-Repo-Commit", commit.sha);
    return;
  }
  ctx.res.set_header("X-Repo-Commit", commit.sha);
  ctx.res.set_header("Accept-Ranges", "bytes");
  if (file.entry.lfs) {
    const LfsInfo& lfs = *file.entry.lfs;
    // Absolute Location on another origin (the LFS listener), as the Hub's CDN redirects
    // are: clients read the metadata from this response and fetch the bytes there.
    ctx.res.status = 302;
    ctx.res.set_header("Location", ctx.lfs_base_url + "/lfs-objects/" + lfs.oid);
    ctx.res.set_header("ETag", etag_value(lfs.oid));
    ctx.res.set_header("X-Linked-Etag", etag_value(lfs.oid));
    ctx.res.set_header("X-Linked-Size", std::to_string(lfs.size));
    return;
  }
  ctx.res.set_header("ETag", etag_value(file.entry.oid));
  send_bytes(ctx, file.blob);
}

void handle_lfs_object(RequestContext& ctx, const std::string& oid) {
  std::shared_ptr<LfsReader> reader = is_sha256_hex(oid) ? ctx.storage.lfs().open(oid) : nullptr;
  if (!reader) {
    set_error(ctx.res, 404, "EntryNotFound", "LFS object " + oid + " is not stored on this server");
    return;
  }
  std::uint64_t size = reader->size();
  ctx.res.set_header("ETag", etag_value(oid));
  ctx.res.set_header("Accept-Ranges", "bytes");
  auto range = apply_range(ctx, size);
  if (!range) return;
  if (size == 0) {
    ctx.res.set_content("", kOctetStream);
    return;
  }
  std::uint64_t start = range->first;
  auto buffer = std::make_shared<std::array<char, kChunk>>();
  ctx.res.set_content_provider(
      static_cast<std::size_t>(range->length()), kOctetStream,
      [reader, buffer, start](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
        // Runs while the response is written, outside any handler's try block: never throw.
        try {
          std::size_t n = reader->read_at(start + offset, buffer->data(), std::min(length, buffer->size()));
          if (n == 0) return false;  // object shorter than announced: abort the connection
          return sink.write(buffer->data(), n);
        } catch (...) {
          return false;
        }
      });
}

}  // namespace kcpp::server
