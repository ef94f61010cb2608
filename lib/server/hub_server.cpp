#include "server/hub_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <mutex>
#include <thread>

#include "core/log.hpp"
#include "server/auth.hpp"
#include "server/fault_response.hpp"
#include "server/guarded_server.hpp"
#include "server/http_errors.hpp"
#include "server/http_util.hpp"
#include "server/public_urls.hpp"
#include "server/request_log.hpp"
#include "server/router.hpp"
#include "server/routes.hpp"
#include "server/streamed_body.hpp"
#include "server/worker_pool.hpp"
#include "server/write_admission.hpp"

namespace kcpp::server {

namespace {

// httplib matches non-GET handlers with std::regex; this matches any path.
constexpr const char* kAnyPath = R"([\s\S]*)";
// Write bodies are admitted on their headers and limited per route (write_admission.hpp);
// httplib's own limit must admit the largest of them.
constexpr std::size_t kMaxRequestBody = kMaxCommitBody;
// Connections served at once per listener; beyond that they wait for a worker.
constexpr std::size_t kMaxWorkers = 1024;
// Unfinished LFS uploads older than this are removed at start-up (see LfsStore).
constexpr std::chrono::seconds kStaleUploadAge{3600};

// Reason phrases for the errors httplib answers on its own (its table is not exported).
std::string status_text(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 416:
      return "Range Not Satisfiable";
    case 500:
      return "Internal Server Error";
    default:
      return "HTTP error " + std::to_string(status);
  }
}

std::uint64_t body_bytes(const httplib::Request& req, const httplib::Response& res) {
  if (req.method == "HEAD") return 0;
  if (res.has_header("Content-Length")) {
    auto v = res.get_header_value("Content-Length");
    std::uint64_t n = 0;
    if (std::from_chars(v.data(), v.data() + v.size(), n).ec == std::errc()) return n;
  }
  return res.body.size();
}

// A request path as it may appear in the server's own log lines: secrets masked, control
// bytes escaped (it comes from the client).
std::string shown(std::string_view raw_path) {
  std::string out;
  RequestLog::escape_into(out, log::redact(raw_path));
  return out;
}

std::string host_port(const std::string& host, int port) {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

// One httplib listener and its lifecycle flags.
struct Listener {
  Listener(std::shared_ptr<ConnectionLimits> limits, ConnectionOptions options) : http(std::move(limits), options) {}
  GuardedServer http;
  int port = -1;
  int listen_fd = -1;  // recorded by the socket-options hook, see configure()
  std::atomic<bool> finished{false};

  // httplib's stop() is a no-op until its accept loop runs; wait for that (or its end).
  void stop() {
    while (!http.is_running() && !finished) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    http.request_stop();  // idle connections end now, not at their keep-alive timeout
    if (!finished) http.stop();
  }
};

ConnectionOptions connection_options(const ServeOptions& o) {
  ConnectionOptions c;
  c.header_timeout = std::chrono::milliseconds(static_cast<long long>(o.header_timeout_s * 1000));
  return c;
}

}  // namespace

struct HubServer::Impl {
  ServeOptions options;
  std::unique_ptr<RepoStorage> storage;
  TokenSet tokens;
  FaultInjector faults;
  UploadTickets upload_tickets;
  std::unique_ptr<RequestLog> request_log;
  std::unique_ptr<FaultLog> fault_log;
  std::shared_ptr<ConnectionLimits> connection_limits;  // shared by both listeners
  Listener api, lfs;

  // The storage root as it may appear in messages (as given, absolute, canonical).
  std::vector<std::string> root_spellings;

  std::mutex stop_mu;
  bool stop_requested = false;
  bool run_started = false;

  explicit Impl(ServeOptions opts)
      : options(std::move(opts)),
        storage(open_local_storage(options.root)),
        tokens(options.tokens),
        faults(options.faults, options.random_faults),
        connection_limits(std::make_shared<ConnectionLimits>(
            ConnectionCaps{options.max_connections, options.max_connections_per_address})),
        api(connection_limits, connection_options(options)),
        lfs(connection_limits, connection_options(options)) {
    std::error_code ec;
    for (const auto& p : {options.root, std::filesystem::absolute(options.root, ec),
                          std::filesystem::weakly_canonical(options.root, ec)}) {
      std::string text = p.lexically_normal().string();
      while (text.size() > 1 && text.back() == '/') text.pop_back();
      if (text.size() > 1 && text.front() == '/' && std::find(root_spellings.begin(), root_spellings.end(), text) == root_spellings.end())
        root_spellings.push_back(text);
    }
    if (options.request_log) request_log = std::make_unique<RequestLog>(*options.request_log);
    if (options.fault_log) fault_log = std::make_unique<FaultLog>(*options.fault_log);
    // Uploads cut by a crash of an earlier run would otherwise stay on disk for ever.
    if (auto n = storage->lfs().remove_stale_uploads(kStaleUploadAge))
      spdlog::info("removed {} unfinished LFS upload(s) older than {} s from an earlier run", n, kStaleUploadAge.count());
  }

  // Bases of the absolute URLs in answers: configured, never taken from the request's Host
  // header (public_urls.hpp). Fixed once the ports are bound.
  PublicUrls urls;

  std::string base_url(const httplib::Request&) const { return urls.api; }
  std::string lfs_base_url(const httplib::Request&) const { return urls.lfs; }

  // Decides the request's fault (if any), answers it, then breaks the answer as the fault says.
  // BODY: the request body still on the wire (LFS upload PUTs), read by the handler; faults
  // answered before the handler runs leave it unread, for the caller to drain.
  void respond(const httplib::Request& req, httplib::Response& res, bool lfs_only, StreamedBody* body = nullptr) {
    std::string raw_path(http::target_path(req.target));
    std::optional<FaultSpec> fault;
    if (!faults.empty()) fault = faults.take(FaultRequest{req.method, raw_path, req.path});
    if (fault && fault->kind == FaultKind::status) {  // before authentication and routing
      answer_status_fault(*fault, res);
      record_fault(*fault, req, raw_path);
      return;
    }
    const bool write = req.method != "GET" && req.method != "HEAD";
    if (fault && fault->kind == FaultKind::reset && write) {  // the request is never acted on
      answer_reset_before_acting(*fault, req, res);
      record_fault(*fault, req, raw_path);
      return;
    }
    handle(req, res, raw_path, lfs_only, body);
    if (fault && apply_response_fault(*fault, req, res)) record_fault(*fault, req, raw_path);
  }

  void record_fault(const FaultSpec& fault, const httplib::Request& req, const std::string& raw_path) {
    if (fault_log) fault_log->record(fault.name(), req.method, raw_path);
    spdlog::debug("injecting fault {} into {} {}", fault.name(), req.method, shown(raw_path));
  }

  void handle(const httplib::Request& req, httplib::Response& res, const std::string& raw_path, bool lfs_only,
              StreamedBody* body) {
    try {
      AuthState auth = tokens.classify(req.get_header_value("Authorization"));
      if (auth == AuthState::invalid) {
        set_error(res, 401, "Unauthorized", "Invalid credentials in Authorization header");
        return;
      }
      if (req.method != "GET" && req.method != "HEAD") {
        dispatch_write(req, res, raw_path, auth, lfs_only, body);
        return;
      }
      dispatch(req, res, raw_path, auth, lfs_only);
    } catch (const Error& e) {
      set_error_from(res, e, base_url(req) + raw_path);
    } catch (const std::exception& e) {
      set_internal_error(res, req.method + " " + shown(raw_path) + ": " + e.what());
    }
  }

  void dispatch(const httplib::Request& req, httplib::Response& res, const std::string& raw_path, AuthState auth,
                bool lfs_only) {
    Route route = match_route(http::split_path(raw_path));
    RequestContext ctx{req, res, *storage, base_url(req), lfs_base_url(req), raw_path};
    if (lfs_only && route.kind != Route::Kind::lfs_object) route.kind = Route::Kind::unknown;
    switch (route.kind) {
      case Route::Kind::unknown:
        set_error(res, 404, "NotFound", "no such endpoint: " + raw_path);
        return;
      case Route::Kind::whoami:
        handle_whoami(ctx, auth);
        return;
      case Route::Kind::lfs_object:
        handle_lfs_object(ctx, route.oid);
        return;
      case Route::Kind::org_overview: {
        const auto& trusted = options.trusted_publishers;
        handle_org_overview(ctx, route.repo_id, std::find(trusted.begin(), trusted.end(), route.repo_id) != trusted.end());
        return;
      }
      default:
        break;
    }
    RepoId repo = RepoId::parse(route.type, route.repo_id);  // 400 on a malformed id
    if (!storage->repo_exists(repo)) throw Error(ErrorKind::repo_not_found, repo.display());
    switch (route.kind) {
      case Route::Kind::repo_info:
        handle_info(ctx, repo, route.revision);
        break;
      case Route::Kind::repo_refs:
        handle_refs(ctx, repo);
        break;
      case Route::Kind::repo_tree:
        handle_tree(ctx, repo, *route.revision, route.path);
        break;
      case Route::Kind::resolve:
        handle_resolve(ctx, repo, *route.revision, route.path);
        break;
      default:
        set_error(res, 405, "MethodNotAllowed", req.method + " is not allowed on " + raw_path);
        break;
    }
  }

  static bool is_write_method(const std::string& method) {
    return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
  }

  // What REQ's headers alone say about it (write_admission.hpp).
  WriteAdmission admission(const httplib::Request& req, bool lfs_only) const {
    WriteRequest w;
    w.method = req.method;
    try {
      w.route = lfs_only ? Route::Kind::unknown : match_route(http::split_path(http::target_path(req.target))).kind;
    } catch (const Error& e) {
      return WriteAdmission{400, "BadRequest", e.what(), 0};
    }
    w.auth = tokens.classify(req.get_header_value("Authorization"));
    w.writes_enabled = !tokens.empty();
    std::string length = req.get_header_value("Content-Length");  // outlives W (string_view)
    if (req.has_header("Content-Length")) w.content_length = length;
    // httplib reads a body chunked whenever Transfer-Encoding says "chunked"; the limit then
    // applies while it arrives.
    w.chunked = req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos;
    return admit_write(w);
  }

  // Refuses REQ on its headers when admission() says so: RES is the answer, the connection
  // closes after it (the body stays unread). Returns whether it refused.
  bool refuse_on_headers(const httplib::Request& req, httplib::Response& res, bool lfs_only) const {
    WriteAdmission a = admission(req, lfs_only);
    if (a.status == 0) return false;
    close_after_answer(req);
    std::string path(http::target_path(req.target));
    set_error(res, a.status, a.code, a.status == 404 ? a.message + ": " + path : a.message);
    return true;
  }

  // Requests whose body their handler reads as it arrives: the LFS upload PUT (streamed to
  // disk) and the commit POST (parsed line by line). On the LFS listener they are refused on
  // their headers (write_admission.hpp).
  static bool has_streamed_body(const httplib::Request& req) {
    Route::Kind kind = Route::Kind::unknown;
    try {
      kind = match_route(http::split_path(http::target_path(req.target))).kind;
    } catch (const Error&) {
    }
    return (req.method == "PUT" && kind == Route::Kind::lfs_object) ||
           (req.method == "POST" && kind == Route::Kind::repo_commit);
  }

  // POST/PUT/DELETE/...: the write API. Every write needs a configured bearer token, except
  // the LFS upload PUT, which carries a ticket from the batch answer (like a presigned URL).
  void dispatch_write(const httplib::Request& req, httplib::Response& res, const std::string& raw_path,
                      AuthState auth, bool lfs_only, StreamedBody* body) {
    Route route = match_route(http::split_path(raw_path));
    if (lfs_only) route.kind = Route::Kind::unknown;
    if (route.kind == Route::Kind::unknown) {
      set_error(res, 404, "NotFound", "no such endpoint: " + raw_path);
      return;
    }
    auto methods = write_methods(route.kind);
    if (methods.empty()) {
      set_error(res, 405, "MethodNotAllowed", req.method + " is not allowed on " + raw_path + " (read-only endpoint)");
      return;
    }
    if (std::find(methods.begin(), methods.end(), req.method) == methods.end()) {
      set_error(res, 405, "MethodNotAllowed", req.method + " is not allowed on " + raw_path);
      return;
    }
    RequestContext ctx{req, res, *storage, base_url(req), lfs_base_url(req), raw_path};
    WriteContext w{upload_tickets};  // LFS bytes are staged in the store's own temp dir
    w.body = body;
    if (route.kind == Route::Kind::lfs_object) {
      handle_lfs_upload(ctx, w, route.oid);
      return;
    }
    if (route.kind == Route::Kind::validate_yaml) {
      // huggingface_hub checks README.md metadata before uploading one; the YAML is not
      // interpreted here, so every card is accepted.
      set_json(res, nlohmann::ordered_json{{"errors", nlohmann::ordered_json::array()},
                                           {"warnings", nlohmann::ordered_json::array()}});
      return;
    }
    if (tokens.empty()) {
      set_error(res, 401, "Unauthorized",
                "this kernels-hub accepts no writes: it has no tokens configured (start it with --token)");
      return;
    }
    if (auth != AuthState::valid) {
      set_error(res, 401, "Unauthorized", "A valid token is required for writes: send 'Authorization: Bearer <token>'");
      return;
    }
    if (route.kind == Route::Kind::create_repo) {
      handle_create_repo(ctx, w);
      return;
    }
    RepoId repo = RepoId::parse(route.type, route.repo_id);
    if (!storage->repo_exists(repo)) throw Error(ErrorKind::repo_not_found, repo.display());
    switch (route.kind) {
      case Route::Kind::repo_commit:
        handle_commit(ctx, w, repo, *route.revision);
        break;
      case Route::Kind::repo_preupload:
        handle_preupload(ctx, repo, *route.revision);
        break;
      case Route::Kind::repo_branch:
        handle_branch(ctx, repo, *route.revision);
        break;
      case Route::Kind::lfs_batch:
        handle_lfs_batch(ctx, w, repo);
        break;
      case Route::Kind::lfs_verify:
        handle_lfs_verify(ctx, repo);
        break;
      default:
        break;
    }
  }

  // Runs just before the response is written (status final, Content-Length known).
  void after_routing(const httplib::Request& req, httplib::Response& res) {
    if (res.status >= 400) scrub_error(res, root_spellings);
    std::string_view raw_path = http::target_path(req.target);
    auto bytes = body_bytes(req, res);
    if (request_log) request_log->record(req.method, raw_path, res.status, bytes);
    spdlog::debug("{} {} -> {} ({} bytes)", req.method, shown(raw_path), res.status, bytes);
  }

  void configure(Listener& listener, bool lfs_only) {
    httplib::Server& http = listener.http;
    // options.threads workers always run; more start while every one is busy (each serves one
    // keep-alive connection at a time), up to kMaxWorkers: see worker_pool.hpp.
    auto threads = static_cast<std::size_t>(std::max(2, options.threads));
    http.new_task_queue = [threads] { return new WorkerPool(threads, std::max(threads, kMaxWorkers)); };
    // Short keep-alive: idle client connections hold a worker, and shutdown waits for them.
    http.set_keep_alive_timeout(2);
    http.set_keep_alive_max_count(1000);
    http.set_read_timeout(30);
    http.set_write_timeout(30);
    http.set_payload_max_length(kMaxRequestBody);
    // TCP_NODELAY: headers and body leave in separate writes; with Nagle on, the body
    // waits for the client's delayed ACK (~40 ms per request on loopback).
    // The hook also records the listening socket, whose backlog bind() raises afterwards.
    http.set_socket_options([&listener](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
      listener.listen_fd = sock;
    });

    http.set_pre_routing_handler([this, lfs_only](const httplib::Request& req, httplib::Response& res) {
      // httplib 0.11 applies Range headers to every response on its own, without checking
      // them against the content size (and to error bodies too). Ranges are handled per
      // route here (routes_files.cpp), so drop its parsed copy; the Request is a mutable
      // object owned by httplib's connection loop, so the cast is well-defined.
      const_cast<httplib::Request&>(req).ranges.clear();
      if (req.method == "GET" || req.method == "HEAD") {
        respond(req, res, lfs_only);
        return httplib::Server::HandlerResponse::Handled;
      }
      // Writes are refused on their headers when those suffice (write_admission.hpp), before
      // httplib reads a byte of the body; the rest go to the content-reader handlers below.
      if (is_write_method(req.method)) {
        if (refuse_on_headers(req, res, lfs_only)) return httplib::Server::HandlerResponse::Handled;
        return httplib::Server::HandlerResponse::Unhandled;
      }
      // OPTIONS (and anything else without a content-reader handler below) has its body
      // read by httplib up to its global limit: refuse big ones before that.
      std::uint64_t length = 0;
      auto v = req.get_header_value("Content-Length");
      bool chunked = req.has_header("Transfer-Encoding");
      bool parsed = std::from_chars(v.data(), v.data() + v.size(), length).ec == std::errc();
      if (chunked || (!v.empty() && (!parsed || length > kMaxSmallBody))) {
        close_after_answer(req);
        set_error(res, 413, "PayloadTooLarge", "request body too large for " + req.method);
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    // `Expect: 100-continue`: a request refused on its headers gets the refusal instead of the
    // 100, so the client never sends the body.
    http.set_expect_100_continue_handler([this, lfs_only](const httplib::Request& req, httplib::Response& res) {
      if (is_write_method(req.method) && refuse_on_headers(req, res, lfs_only)) return res.status;
      return 100;
    });
    auto other = [this, lfs_only](const httplib::Request& req, httplib::Response& res,
                                  const httplib::ContentReader& reader) {
      auto& body = const_cast<httplib::Request&>(req).body;  // owned by httplib's connection loop
      if (req.is_multipart_form_data()) {
        close_after_answer(req);  // the body stays unread
        set_error(res, 415, "UnsupportedMediaType", "multipart bodies are not accepted");
        return;
      }
      if (has_streamed_body(req)) {
        StreamedBody body(reader);
        respond(req, res, lfs_only, &body);
        // Refused before it was read (no ticket, a fault, ...): dropped, not kept, unless the
        // connection closes after the answer anyway.
        if (!ConnectionState::current() || !ConnectionState::current()->closing()) body.drain();
        return;
      }
      // Admitted on its headers (pre-routing); a chunked body is held to the same limit here.
      std::uint64_t limit = admission(req, lfs_only).body_limit;
      bool too_large = false;
      bool complete = reader([&](const char* data, std::size_t len) {
        if (body.size() + len > limit) {
          too_large = true;
          std::string().swap(body);
          return false;  // stop reading: the connection closes after the answer
        }
        body.append(data, len);
        return true;
      });
      if (too_large || !complete) {
        close_after_answer(req);
        if (too_large)
          set_error(res, 413, "PayloadTooLarge",
                    "request body larger than the " + std::to_string(limit) + " bytes this endpoint accepts");
        else
          set_error(res, 400, "BadRequest", "the request body could not be read to its end");
        return;
      }
      respond(req, res, lfs_only);
    };
    http.Post(kAnyPath, other);
    http.Put(kAnyPath, other);
    http.Patch(kAnyPath, other);
    http.Delete(kAnyPath, other);
    // OPTIONS bodies are small by the pre-routing check above; httplib has read them.
    http.Options(kAnyPath, [this, lfs_only](const httplib::Request& req, httplib::Response& res) {
      respond(req, res, lfs_only);
    });

    // Responses httplib produces itself (malformed request line, oversized body, …) get the
    // same error shape as ours.
    http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (res.has_header("X-Error-Message") || !res.body.empty()) return;
      set_error(res, res.status, "", status_text(res.status));
    });
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      std::string what = "unknown error";
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      set_internal_error(res, what);
    });
    http.set_post_routing_handler(
        [this](const httplib::Request& req, httplib::Response& res) { after_routing(req, res); });
  }
};

HubServer::HubServer(ServeOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->configure(impl_->api, false);
  impl_->configure(impl_->lfs, true);
}

HubServer::~HubServer() { stop(); }

int HubServer::bind() {
  auto& o = impl_->options;
  auto bind_one = [&](Listener& l, int port, const char* what) {
    l.port = port == 0 ? l.http.bind_to_any_port(o.host) : (l.http.bind_to_port(o.host, port) ? port : -1);
    if (l.port < 0)
      throw Error(ErrorKind::io, std::string("cannot listen (") + what + ") on " + o.host + ":" + std::to_string(port))
          .hint("is the port already in use? port 0 picks a free one");
    // httplib 0.11 listens with a backlog of 5: bursts of parallel clients overflow it and
    // wait a 1 s SYN retransmit. Linux lets listen() on a listening socket raise the backlog.
    if (l.listen_fd >= 0) ::listen(l.listen_fd, SOMAXCONN);
  };
  bind_one(impl_->api, o.port, "API");
  bind_one(impl_->lfs, o.lfs_port, "LFS");
  impl_->urls = public_urls(o.public_url, o.lfs_url, o.host, impl_->api.port, impl_->lfs.port);
  if (!o.public_url && is_wildcard_host(o.host))
    spdlog::warn("listening on {} without --public-url: URLs in answers (Link, LFS redirects) name {}, which other "
                 "machines cannot reach; give --public-url http://NAME:PORT",
                 o.host, impl_->urls.api);
  return impl_->api.port;
}

std::string HubServer::url() const { return "http://" + host_port(impl_->options.host, impl_->api.port); }
std::string HubServer::lfs_listener_url() const { return "http://" + host_port(impl_->options.host, impl_->lfs.port); }

void HubServer::run() {
  {
    std::lock_guard<std::mutex> lock(impl_->stop_mu);
    if (impl_->stop_requested) return;
    impl_->run_started = true;
  }
  spdlog::info("serving {} (LFS objects on {}) from {}", url(), lfs_listener_url(), impl_->options.root.string());
  std::thread lfs_thread([this] {
    impl_->lfs.http.listen_after_bind();
    impl_->lfs.finished = true;
  });
  impl_->api.http.listen_after_bind();
  impl_->api.finished = true;
  impl_->lfs.stop();  // the API listener only ends on stop() (or a fatal error): end both
  lfs_thread.join();
}

void HubServer::stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->stop_mu);
    if (impl_->stop_requested) return;
    impl_->stop_requested = true;
    if (!impl_->run_started) return;
  }
  impl_->api.stop();
  impl_->lfs.stop();
}

}  // namespace kcpp::server
