#include "server/streamed_body.hpp"

namespace kcpp::server {

bool StreamedBody::read(const Sink& sink) {
  if (consumed_) return false;  // a second read would parse the next request as this body
  consumed_ = true;
  bool keeping = true;
  // Never return false to httplib: it would stop reading mid-body and leave the rest on the
  // connection. Exceptions are the sink's to handle (they would unwind through httplib).
  return reader_([&](const char* data, std::size_t len) {
    received_ += len;
    if (keeping) keeping = sink(data, len);
    return true;
  });
}

void StreamedBody::drain() {
  if (!consumed_) read([](const char*, std::size_t) { return false; });
}

}  // namespace kcpp::server
