#include "server/http_errors.hpp"

#include <spdlog/spdlog.h>

#include "core/fs.hpp"
#include "core/log.hpp"
#include "server/http_util.hpp"
#include "server/storage.hpp"

namespace kcpp::server {

void set_json(httplib::Response& res, const nlohmann::ordered_json& body, int status) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void set_error(httplib::Response& res, int status, std::string_view code, std::string_view message) {
  if (!code.empty()) res.set_header("X-Error-Code", std::string(code));
  res.set_header("X-Error-Message", http::header_safe(message));
  // dump() with replace: messages may quote client input that is not valid UTF-8.
  nlohmann::ordered_json body{{"error", std::string(message)}};
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void set_internal_error(httplib::Response& res, std::string_view detail) {
  // Internal failures quote libgit2 and the file system, whose messages hold absolute paths
  // of the storage root: those stay in the server's log, under an id the answer names.
  std::string id = fs::random_hex(4);
  spdlog::error("internal error {}: {}", id, log::escape_controls(detail));
  set_error(res, 500, "InternalError", "internal error " + id + " (the kernels-hub log has the details)");
}

void scrub_error(httplib::Response& res, const std::vector<std::string>& hidden) {
  if (!res.has_header("X-Error-Message")) return;  // only our error answers, never file content
  auto scrub = [&](std::string text) {
    for (const auto& h : hidden)
      for (auto pos = text.find(h); !h.empty() && pos != std::string::npos; pos = text.find(h, pos))
        text.replace(pos, h.size(), "<storage>");
    return text;
  };
  std::string message = res.get_header_value("X-Error-Message");
  std::string clean = scrub(message);
  if (clean == message && scrub(res.body) == res.body) return;
  res.headers.erase("X-Error-Message");  // set_header adds, it does not replace
  res.set_header("X-Error-Message", clean);
  res.body = scrub(res.body);
}

void set_error_from(httplib::Response& res, const Error& error, const std::string& request_url) {
  if (auto* conflict = dynamic_cast<const ConflictError*>(&error)) {
    if (conflict->precondition_failed())
      set_error(res, 412, "PreconditionFailed", error.what());
    else
      set_error(res, 409, "Conflict", error.what());
    return;
  }
  switch (error.kind()) {
    case ErrorKind::repo_not_found:
      set_error(res, 404, "RepoNotFound", "Repository Not Found for url: " + request_url + ".");
      return;
    case ErrorKind::revision_not_found:
      set_error(res, 404, "RevisionNotFound", error.what());
      return;
    case ErrorKind::entry_not_found:
      set_error(res, 404, "EntryNotFound", error.what());
      return;
    case ErrorKind::usage:
    case ErrorKind::parse:
      set_error(res, 400, "BadRequest", error.what());
      return;
    case ErrorKind::unauthorized:
      set_error(res, 401, "Unauthorized", error.what());
      return;
    case ErrorKind::forbidden:
      set_error(res, 403, "Forbidden", error.what());
      return;
    default:
      set_internal_error(res, error.what());
      return;
  }
}

}  // namespace kcpp::server
