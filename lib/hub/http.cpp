#include "hub/http.hpp"

#include <curl/curl.h>
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>

#include "core/env.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/url.hpp"

namespace kcpp::hub {

namespace {

// Process-wide curl state: global init once, one share handle (connections, DNS, TLS
// sessions) guarded by per-data mutexes.
struct CurlGlobal {
  CURLSH* share = nullptr;
  std::mutex locks[CURL_LOCK_DATA_LAST];

  CurlGlobal() {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    share = curl_share_init();
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &CurlGlobal::lock);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &CurlGlobal::unlock);
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  }
  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
    static_cast<CurlGlobal*>(self)->locks[data].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* self) {
    static_cast<CurlGlobal*>(self)->locks[data].unlock();
  }
};

CurlGlobal& curl_global() {
  static CurlGlobal g;
  return g;
}

struct Transfer {
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  CURL* curl = nullptr;
  bool started = false;
  bool stream = false;  // body goes to request->on_body
  bool aborted_by_sink = false;
  bool body_too_large = false;        // collected body over request->max_body_bytes
  std::size_t header_bytes = 0;
  bool headers_too_large = false;     // over kMaxHeaderBytes
  std::uint64_t read_offset = 0;      // next byte of request->body_source
  std::exception_ptr source_error;    // thrown by body_source->read, rethrown after perform
  // Low-speed rule: bytes moved (up + down) at the start of the current window.
  std::chrono::steady_clock::time_point window_start;
  std::uint64_t window_moved = 0;
  std::chrono::milliseconds window{0};
  std::uint64_t window_min_bytes = 0;
  bool too_slow = false;
};

// libcurl's progress callback (called as data moves and at least once a second while idle):
// the low-speed rule over tumbling windows. O(1) per call, nothing per byte.
int on_progress(void* user, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t ulnow) {
  auto* t = static_cast<Transfer*>(user);
  const auto now = std::chrono::steady_clock::now();
  if (now - t->window_start < t->window) return 0;
  const auto moved = static_cast<std::uint64_t>(dlnow) + static_cast<std::uint64_t>(ulnow);
  if (moved - t->window_moved < t->window_min_bytes) {
    t->too_slow = true;
    return 1;  // CURLE_ABORTED_BY_CALLBACK
  }
  t->window_start = now;
  t->window_moved = moved;
  return 0;
}

size_t on_read(char* buf, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const auto& src = *t->request->body_source;
  if (t->read_offset >= src.size) return 0;
  std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(size * n, src.size - t->read_offset));
  try {
    std::size_t got = src.read(t->read_offset, buf, want);
    if (got == 0 || got > want) throw Error(ErrorKind::io, "the request body ended before its announced size");
    t->read_offset += got;
    return got;
  } catch (...) {  // never unwind through libcurl
    t->source_error = std::current_exception();
    return CURL_READFUNC_ABORT;
  }
}

int on_seek(void* user, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset < 0) return CURL_SEEKFUNC_CANTSEEK;
  t->read_offset = static_cast<std::uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t on_write(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view chunk(data, size * n);
  if (!t->started) {
    t->started = true;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &t->response->status);
    t->stream = static_cast<bool>(t->request->on_body);
    if (t->stream && t->request->on_response_start)
      t->stream = t->request->on_response_start(t->response->status, t->response->headers);
  }
  if (t->stream) {
    if (!t->request->on_body(chunk)) {
      t->aborted_by_sink = true;
      return 0;
    }
  } else {
    const auto cap = t->request->max_body_bytes;
    if (cap > 0 && t->response->body.size() + chunk.size() > cap) {
      t->body_too_large = true;
      return 0;
    }
    t->response->body.append(chunk);
  }
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  t->header_bytes += line.size();
  if (t->header_bytes > kMaxHeaderBytes) {
    t->headers_too_large = true;
    return 0;
  }
  if (line.starts_with("HTTP/")) {
    t->response->headers.clear();  // a new response (e.g. after 100-continue)
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  t->response->headers.emplace_back(std::move(name), std::string(value));
  return size * n;
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers)
    if (k == lower_name) return v;
  return std::nullopt;
}

bool is_unsent_curl_code(int code) {
  return code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY || code == CURLE_COULDNT_CONNECT;
}

bool is_transient_curl_code(int code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

HttpResponse perform(const HttpRequest& request, const HttpTimeouts& timeouts) {
  auto& global = curl_global();
  CURL* curl = curl_easy_init();
  if (curl == nullptr) throw Error(ErrorKind::network, "cannot initialise libcurl");
  HttpResponse response;
  response.url = request.url;
  Transfer transfer;
  transfer.request = &request;
  transfer.response = &response;
  transfer.curl = curl;

  curl_slist* header_list = nullptr;
  for (const auto& [k, v] : request.headers) header_list = curl_slist_append(header_list, (k + ": " + v).c_str());
  if (!request.decode_content) header_list = curl_slist_append(header_list, "Accept-Encoding: identity");
  // Streamed bodies go out at once: waiting for "100 Continue" costs a round trip (or a
  // second with servers that never send it).
  if (request.body_source) header_list = curl_slist_append(header_list, "Expect:");

  curl_easy_setopt(curl, CURLOPT_SHARE, global.share);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  // The second wall behind check_server_url(): whatever URL reaches here, libcurl speaks
  // nothing but http(s) (no file://, gopher://, dict://, …), on redirects too.
  const char* protocols = request.https_only ? "https" : "http,https";
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85: the _STR options (Debian 12 has 7.88)
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, protocols);
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
#else
  const long mask = request.https_only ? CURLPROTO_HTTPS : (CURLPROTO_HTTP | CURLPROTO_HTTPS);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS, mask);
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, mask);
#endif
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeouts.connect.count()));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                   std::max(1L, static_cast<long>(timeouts.stall.count() / 1000)));
  if (timeouts.deadline) curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeouts.deadline->count()));
  transfer.window = low_speed_window(timeouts);
  transfer.window_min_bytes = static_cast<std::uint64_t>(std::min(
      1e18, static_cast<double>(timeouts.low_speed_bytes_per_s) * static_cast<double>(transfer.window.count()) / 1000));
  transfer.window_start = std::chrono::steady_clock::now();
  if (transfer.window_min_bytes > 0) {
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  // gzip/deflate only: offering br makes servers spend more CPU than the transfer saves
  // on the small JSON documents of the Hub API.
  if (request.decode_content) curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
  // Keep enough idle connections for every parallel worker (libcurl's default is 5).
  curl_easy_setopt(curl, CURLOPT_MAXCONNECTS, 64L);
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.body_source) {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body_source->size));
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, &on_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, &on_seek);
    curl_easy_setopt(curl, CURLOPT_SEEKDATA, &transfer);
    // Larger reads than the 64 KiB default: fewer callbacks for objects of hundreds of MB.
    curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024L);
  } else if (request.body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body->size()));
  }
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);

  spdlog::debug("{} {}", request.method, log::redact(request.url));
  const auto started = std::chrono::steady_clock::now();
  CURLcode rc = curl_easy_perform(curl);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  curl_slist_free_all(header_list);
  curl_easy_cleanup(curl);

  if (transfer.source_error) std::rethrow_exception(transfer.source_error);
  const std::string what = fmt::format("{} {}", request.method, log::redact(request.url));
  if (transfer.body_too_large)
    throw Error(ErrorKind::http, fmt::format("{}: the answer is larger than {} (KCPP_MAX_RESPONSE_MB)", what,
                                             format_bytes(request.max_body_bytes)))
        .hint("a Hub answer this large is a misbehaving server (or a compressed \"bomb\"); if it is expected, "
              "raise KCPP_MAX_RESPONSE_MB");
  if (transfer.headers_too_large)
    throw Error(ErrorKind::http, fmt::format("{}: the answer's headers are larger than {}", what,
                                             format_bytes(kMaxHeaderBytes)))
        .hint("the server is misbehaving; check HF_ENDPOINT");
  if (rc != CURLE_OK && !(transfer.aborted_by_sink && rc == CURLE_WRITE_ERROR)) {
    std::string reason = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    if (transfer.too_slow) {
      reason = fmt::format("less than {} bytes/s moved over {} s (KCPP_LOW_SPEED_LIMIT, KCPP_LOW_SPEED_TIME)",
                           timeouts.low_speed_bytes_per_s, transfer.window.count() / 1000.0);
      rc = CURLE_OPERATION_TIMEDOUT;
    } else if (rc == CURLE_OPERATION_TIMEDOUT && timeouts.deadline && elapsed >= *timeouts.deadline) {
      reason = fmt::format("no complete answer within {} s (KCPP_API_TIMEOUT)", timeouts.deadline->count() / 1000.0);
    }
    TransportError e(fmt::format("{} failed: {}", what, reason), rc, transfer.too_slow);
    e.retry(is_transient_curl_code(rc) ? Retry::transient : Retry::permanent);
    throw e;
  }
  spdlog::debug("{} {} -> {}", request.method, log::redact(request.url), response.status);
  return response;
}

RetryPolicy default_retry_policy() {
  RetryPolicy p;
  p.max_retries = static_cast<int>(env::get_long("KCPP_MAX_RETRIES", p.max_retries));
  long base_ms = env::get_long("KCPP_RETRY_BASE_MS", -1);
  if (base_ms >= 0) {
    p.base_delay_s = static_cast<double>(base_ms) / 1000.0;
    p.max_delay_s = std::max(p.base_delay_s, p.base_delay_s * 16);
  }
  return p;
}

std::string format_bytes(std::uint64_t n) {
  if (n >= (1u << 20) && n % (1u << 20) == 0) return fmt::format("{} MiB", n >> 20);
  return fmt::format("{} bytes", n);
}

std::chrono::milliseconds low_speed_window(const HttpTimeouts& t) { return std::max(t.low_speed_window, t.stall); }

DownloadBudget download_budget(const RetryPolicy& p, std::uint64_t size) {
  constexpr std::uint64_t kSlack = 16ull << 20;
  DownloadBudget b;
  const std::uint64_t extra = std::min<std::uint64_t>(size / (256ull << 20), 1u << 20);
  b.max_attempts = 4 * (std::clamp(p.max_retries, 0, 1000) + 1) + static_cast<int>(extra);
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max();
  b.max_bytes = size > (limit - kSlack) / 3 ? limit : 3 * size + kSlack;
  return b;
}

bool is_retryable_status(long s) { return s == 408 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504; }

std::optional<double> parse_retry_after(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty() || v.size() > 9) return std::nullopt;
  double secs = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    secs = secs * 10 + (c - '0');
  }
  return secs;
}

double backoff_delay_s(const RetryPolicy& p, int attempt, std::optional<double> retry_after, double jitter01) {
  if (retry_after) return *retry_after + 1.0;
  double d = p.base_delay_s * std::pow(2.0, std::max(0, attempt - 1));
  d = std::min(d, p.max_delay_s);
  return d * (0.75 + 0.5 * std::clamp(jitter01, 0.0, 1.0));
}

std::optional<double> budgeted_delay_s(const RetryPolicy& p, double slept, double delay) {
  delay = std::min(delay, std::max(0.0, p.max_total_s - slept));
  if (delay <= 0 && slept >= p.max_total_s) return std::nullopt;
  return delay;
}

namespace {

bool link_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

// Whether PARAMS (";a=b; rel=next") holds `;\s*rel\s*=\s*"?next` (case-insensitive).
bool has_rel_next(std::string_view params) {
  auto lower_at = [&](std::size_t i) { return static_cast<char>(std::tolower(static_cast<unsigned char>(params[i]))); };
  auto word_at = [&](std::size_t i, std::string_view w) {
    if (params.size() - i < w.size()) return false;
    for (std::size_t k = 0; k < w.size(); ++k)
      if (lower_at(i + k) != w[k]) return false;
    return true;
  };
  auto skip_ws = [&](std::size_t i) {
    while (i < params.size() && link_space(params[i])) ++i;
    return i;
  };
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (params[i] != ';') continue;
    std::size_t j = skip_ws(i + 1);
    if (!word_at(j, "rel")) continue;
    j = skip_ws(j + 3);
    if (j >= params.size() || params[j] != '=') continue;
    j = skip_ws(j + 1);
    if (j < params.size() && params[j] == '"') ++j;
    if (word_at(j, "next")) return true;
  }
  return false;
}

}  // namespace

// The `<url>; param; …` items of a Link header (RFC 8288), scanned by hand: this was
// std::regex `<([^>]*)>\s*((?:;\s*[^;,]*)*)`, whose matcher recursed once per character
// and overflowed the stack on a long header from a misbehaving server.
std::optional<std::string> parse_link_next(std::string_view link) {
  std::size_t pos = 0;
  while (true) {
    std::size_t lt = link.find('<', pos);
    if (lt == std::string_view::npos) return std::nullopt;
    std::size_t gt = link.find('>', lt + 1);
    if (gt == std::string_view::npos) return std::nullopt;
    std::size_t j = gt + 1;
    while (j < link.size() && link_space(link[j])) ++j;
    const std::size_t params_start = j;
    while (j < link.size() && link[j] == ';') {
      ++j;
      while (j < link.size() && link[j] != ';' && link[j] != ',') ++j;
    }
    if (has_rel_next(link.substr(params_start, j - params_start)))
      return std::string(link.substr(lt + 1, gt - lt - 1));
    pos = j;
  }
}

std::string encode_component(std::string_view s) { return url::percent_encode(s); }

std::string encode_path(std::string_view s) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    auto slash = s.find('/', start);
    out += encode_component(s.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    out += '/';
    start = slash + 1;
  }
  return out;
}

}  // namespace kcpp::hub
