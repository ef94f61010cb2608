#include "server/streamed_body.hpp"

namespace kcpp::server {

bool StreamedBody::read(const Sink& sink, bool drain_after_refusal) {
  if (consumed_) return false;  // a second read would parse the next request as this body
  consumed_ = true;
  bool keeping = true;
  // Returning false to httplib stops reading mid-body, leaving the rest on the connection:
  // only for callers that close it (drain_after_refusal false). Exceptions are the sink's to
  // handle (they would unwind through httplib).
  return reader_([&](const char* data, std::size_t len) {
    received_ += len;
    if (keeping) keeping = sink(data, len);
    return keeping || drain_after_refusal;
  });
}

void StreamedBody::drain() {
  if (!consumed_) read([](const char*, std::size_t) { return false; });
}

}  // namespace kcpp::server
