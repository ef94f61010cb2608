#include "server/fault_response.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "server/http_errors.hpp"

namespace kcpp::server {

namespace {

// The connection a request arrived on, as httplib recorded it (its socket is not exposed).
struct ConnectionId {
  std::string remote_addr;
  int remote_port = -1;
  int local_port = -1;
};

ConnectionId connection_of(const httplib::Request& req) { return {req.remote_addr, req.remote_port, req.local_port}; }

bool address_matches(const sockaddr_storage& ss, const std::string& addr, int port) {
  char text[INET6_ADDRSTRLEN] = {0};
  int got_port = -1;
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    got_port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    got_port = ntohs(a->sin6_port);
  } else {
    return false;
  }
  return got_port == port && (addr.empty() || addr == text);
}

bool is_connection(int fd, const ConnectionId& id) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return false;
  sockaddr_storage local{}, peer{};
  socklen_t ll = sizeof local, pl = sizeof peer;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &ll) != 0) return false;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &pl) != 0) return false;
  return address_matches(local, "", id.local_port) && address_matches(peer, id.remote_addr, id.remote_port);
}

// RST now, and leave a harmless placeholder under the descriptor number (see the header).
bool reset_fd(int fd) {
  sockaddr_storage local{};
  socklen_t ll = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &ll);
  linger l{1, 0};
  if (::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l) != 0) return false;
  int placeholder = ::socket(local.ss_family == AF_INET6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (placeholder < 0) return false;
  bool ok = ::dup2(placeholder, fd) == fd;  // closes the connection (its last descriptor): RST
  ::close(placeholder);
  return ok;
}

bool reset_connection_id(const ConnectionId& id) {
  // The descriptor is owned by this worker thread until the request ends, and a 4-tuple
  // names one live socket, so the match cannot be another thread's connection.
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir != nullptr) {
    std::vector<int> fds;
    while (dirent* e = ::readdir(dir)) {
      char* end = nullptr;
      long fd = std::strtol(e->d_name, &end, 10);
      if (end != e->d_name && *end == '\0') fds.push_back(static_cast<int>(fd));
    }
    ::closedir(dir);
    for (int fd : fds)
      if (is_connection(fd, id)) return reset_fd(fd);
    return false;
  }
  for (int fd = 3; fd < 4096; ++fd)  // no /proc: the usual descriptor range
    if (is_connection(fd, id)) return reset_fd(fd);
  return false;
}

// Flips the last hex digit inside an ETag value ("\"abc1\"" → "\"abc0\"").
std::string wrong_etag(std::string v) {
  for (auto it = v.rbegin(); it != v.rend(); ++it)
    if (std::isxdigit(static_cast<unsigned char>(*it))) {
      *it = *it == '0' ? '1' : '0';
      break;
    }
  return v;
}

// The state a faulty body provider keeps across httplib's calls.
struct FaultyBody {
  httplib::ContentProvider inner;
  std::size_t length = 0;  // the real body length (announced: at least 1)
  FaultKind kind = FaultKind::truncate;
  std::size_t at = 0;  // where the fault strikes: cut, stall or flipped byte
  long stall_ms = 0;
  bool stalled = false;
  ConnectionId connection;
};

bool write_faulty(FaultyBody& s, std::size_t offset, std::size_t length, httplib::DataSink& sink) {
  if (s.length == 0) {  // nothing to send: the one announced byte never comes
    if (s.kind == FaultKind::reset) reset_connection_id(s.connection);
    return false;
  }
  std::size_t pos = offset;
  bool cut = false;
  httplib::DataSink inner;
  inner.is_writable = [&sink] { return sink.is_writable(); };
  inner.done = [&sink] { sink.done(); };
  inner.write = [&](const char* data, std::size_t n) -> bool {
    switch (s.kind) {
      case FaultKind::truncate:
      case FaultKind::reset: {
        std::size_t keep = pos >= s.at ? 0 : std::min(n, s.at - pos);
        if (keep < n) cut = true;
        if (keep > 0 && !sink.write(data, keep)) return false;
        pos += keep;
        return !cut;
      }
      case FaultKind::stall:
        if (!s.stalled && pos + n > s.at) {
          std::size_t first = s.at > pos ? s.at - pos : 0;
          if (first > 0 && !sink.write(data, first)) return false;
          s.stalled = true;
          std::this_thread::sleep_for(std::chrono::milliseconds(s.stall_ms));
          pos += n;
          return sink.write(data + first, n - first);
        }
        break;
      case FaultKind::corrupt_lfs:
        if (s.at >= pos && s.at < pos + n) {
          std::string copy(data, n);
          copy[s.at - pos] = static_cast<char>(copy[s.at - pos] ^ 0x5a);
          pos += n;
          return sink.write(copy.data(), n);
        }
        break;
      default:
        break;
    }
    pos += n;
    return sink.write(data, n);
  };
  bool ok = s.inner(offset, length, inner);
  if (cut) {
    if (s.kind == FaultKind::reset) reset_connection_id(s.connection);
    return false;
  }
  return ok;
}

// Replaces RES's body by a provider that applies KIND at AT.
void wrap_body(httplib::Response& res, const httplib::Request& req, FaultKind kind, long stall_ms,
               std::size_t (*where)(std::size_t length)) {
  auto s = std::make_shared<FaultyBody>();
  s->kind = kind;
  s->stall_ms = stall_ms;
  s->connection = connection_of(req);
  if (res.content_provider_) {
    s->inner = std::move(res.content_provider_);
    s->length = res.content_length_;
  } else {
    auto body = std::make_shared<std::string>(std::move(res.body));
    res.body.clear();
    s->length = body->size();
    s->inner = [body](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
      return sink.write(body->data() + offset, std::min(length, body->size() - offset));
    };
  }
  s->at = where(s->length);
  // httplib's error handler (hub_server.cpp) would replace the body of an error answer that
  // carries no X-Error-Message, and with it this provider.
  if (res.status >= 400 && !res.has_header("X-Error-Message")) res.set_header("X-Error-Message", "injected fault");
  std::string type = res.get_header_value("Content-Type");
  res.headers.erase("Content-Type");
  res.headers.erase("Content-Length");
  // The releaser, if any, stays with the response (it belongs to the inner provider).
  auto releaser = std::move(res.content_provider_resource_releaser_);
  res.set_content_provider(
      std::max<std::size_t>(s->length, 1), type.empty() ? "application/octet-stream" : type,
      [s](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
        try {  // runs while the answer is written: never throw
          return write_faulty(*s, offset, length, sink);
        } catch (...) {
          return false;
        }
      },
      std::move(releaser));
}

std::size_t halfway(std::size_t length) { return length / 2; }

}  // namespace

void answer_status_fault(const FaultSpec& fault, httplib::Response& res) {
  set_error(res, fault.status, fault.error_code, "injected fault");
  if (fault.status == 429 || fault.status == 503) res.set_header("Retry-After", std::to_string(fault.arg_or_default()));
}

bool apply_response_fault(const FaultSpec& fault, const httplib::Request& req, httplib::Response& res) {
  switch (fault.kind) {
    case FaultKind::status:
      answer_status_fault(fault, res);
      return true;
    case FaultKind::wrong_etag: {
      bool changed = false;
      for (auto& [name, value] : res.headers)
        if (strcasecmp(name.c_str(), "ETag") == 0 || strcasecmp(name.c_str(), "X-Linked-Etag") == 0) {
          value = wrong_etag(value);
          changed = true;
        }
      return changed;
    }
    case FaultKind::corrupt_lfs: {
      bool has_body = res.content_provider_ ? res.content_length_ > 0 : !res.body.empty();
      if ((res.status != 200 && res.status != 206) || !has_body) return false;
      wrap_body(res, req, fault.kind, 0, halfway);
      return true;
    }
    case FaultKind::stall: {
      bool has_body = res.content_provider_ ? res.content_length_ > 0 : !res.body.empty();
      if (!has_body) {  // nothing to pause in: delay the whole answer
        std::this_thread::sleep_for(std::chrono::milliseconds(fault.arg_or_default()));
        return true;
      }
      wrap_body(res, req, fault.kind, fault.arg_or_default(), halfway);
      return true;
    }
    case FaultKind::reset:
    case FaultKind::truncate:
      wrap_body(res, req, fault.kind, 0, halfway);
      return true;
  }
  return false;
}

void answer_reset_before_acting(const FaultSpec& fault, const httplib::Request& req, httplib::Response& res) {
  res.status = 500;
  res.body.clear();
  wrap_body(res, req, fault.kind, 0, halfway);
}

bool reset_connection(const httplib::Request& req) { return reset_connection_id(connection_of(req)); }

FaultLog::FaultLog(const std::filesystem::path& file) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  file_ = std::fopen(file.c_str(), "a");
  if (file_ == nullptr)
    throw Error(ErrorKind::io, "cannot open fault log " + file.string() + ": " + std::strerror(errno));
}

FaultLog::~FaultLog() {
  if (file_ != nullptr) std::fclose(file_);
}

void FaultLog::record(std::string_view kind, std::string_view method, std::string_view path) {
  std::string line;
  line.append(kind).append(" ").append(method).append(" ");
  for (char c : path) line += (c == ' ' || c == '\n' || c == '\r') ? '_' : c;
  line += "\n";
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace kcpp::server
