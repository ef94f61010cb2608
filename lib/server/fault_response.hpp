#pragma once
// Applies a fault decision (fault_injection.hpp) to an httplib response, and the
// --fault-log file. Test-only machinery: nothing here runs unless --inject/--faults is given.
//
// Body faults wrap the response body, whether a string or a content provider, into a content
// provider that breaks it halfway: `truncate` stops writing (httplib then closes the
// connection: the client sees fewer bytes than Content-Length), `reset` aborts the socket
// with a TCP RST (SO_LINGER 0), `stall` sleeps, `corrupt-lfs` flips one byte. An empty body
// is announced as one byte so that reset and truncate always break the answer.
#include <httplib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string_view>

#include "server/fault_injection.hpp"

namespace kcpp::server {

// Status faults: the error answer (X-Error-Message: injected fault, Retry-After for 429/503).
void answer_status_fault(const FaultSpec& fault, httplib::Response& res);

// Body and header faults on the answer a handler produced. Returns false when the fault
// found nothing to act on (corrupt-lfs on an error or empty answer, wrong-etag without an
// ETag): the count is spent, but the fault log gets no line.
bool apply_response_fault(const FaultSpec& fault, const httplib::Request& req, httplib::Response& res);

// A write request reset before the server acts on it: the answer is an empty body of one
// announced byte whose provider resets the connection at once.
void answer_reset_before_acting(const FaultSpec& fault, const httplib::Request& req, httplib::Response& res);

// Resets REQ's TCP connection now: finds its socket (by the addresses httplib recorded),
// sets SO_LINGER 0 and swaps the descriptor for a fresh unconnected socket with dup2, so
// the connection is closed with RST at once and httplib's own shutdown/close later act on
// the placeholder. Returns false when the socket cannot be found (then the caller's
// aborted write still closes the connection, with FIN).
bool reset_connection(const httplib::Request& req);

// --fault-log FILE: "KIND METHOD PATH\n" per injected fault (PATH as sent, no query),
// flushed before the faulty answer goes out.
class FaultLog {
 public:
  explicit FaultLog(const std::filesystem::path& file);  // throws kcpp::Error(io)
  ~FaultLog();
  FaultLog(const FaultLog&) = delete;
  FaultLog& operator=(const FaultLog&) = delete;
  void record(std::string_view kind, std::string_view method, std::string_view path);

 private:
  std::mutex mu_;
  std::FILE* file_ = nullptr;
};

}  // namespace kcpp::server
