#pragma once
// The body of a request that its handler reads while it arrives (LFS upload PUT, commit), instead
// of httplib collecting it into Request::body first: an upload of any size then needs only
// httplib's receive buffer in memory. Other requests keep their (small) bodies in memory.
#include <httplib.h>

#include <cstddef>
#include <cstdint>
#include <functional>

namespace kcpp::server {

class StreamedBody {
 public:
  // Receives one chunk; returning false means "keep no more" (see read()).
  using Sink = std::function<bool(const char* data, std::size_t len)>;

  // READER is httplib's, valid for the duration of the handler that got it.
  explicit StreamedBody(const httplib::ContentReader& reader) : reader_(reader) {}
  StreamedBody(const StreamedBody&) = delete;
  StreamedBody& operator=(const StreamedBody&) = delete;

  // Feeds the body to SINK chunk by chunk. httplib reads a body from the socket only once, so
  // this can run once per request. Once SINK returns false, the rest of the body is still read
  // and dropped (the next request on a keep-alive connection must not start inside it), or,
  // with DRAIN_AFTER_REFUSAL false, left unread: the caller must then close the connection
  // after its answer (close_after_answer). Returns false when the body was not read to its
  // end (that, or the client disconnected or stalled past the read timeout, or sent
  // malformed chunks).
  bool read(const Sink& sink, bool drain_after_refusal = true);

  // Reads and drops whatever read() did not (nothing when it ran); for handlers that refused
  // the request before reading its body.
  void drain();

  bool consumed() const { return consumed_; }
  // Bytes that came off the wire so far, kept or not.
  std::uint64_t received() const { return received_; }

 private:
  const httplib::ContentReader& reader_;
  bool consumed_ = false;
  std::uint64_t received_ = 0;
};

}  // namespace kcpp::server
