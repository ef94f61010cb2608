#pragma once
// Error and JSON responses in the Hub's shape. Every error carries `X-Error-Message` and a
// JSON body {"error": "…"}; errors that have a Hub code carry `X-Error-Code` too, because
// clients map errors from that header first (huggingface_hub's hf_raise_for_status):
//   404 RepoNotFound | RevisionNotFound | EntryNotFound, 400 BadRequest, 401 Unauthorized,
//   405 MethodNotAllowed, 409 Conflict, 412 PreconditionFailed, 416 RangeNotSatisfiable,
//   404 NotFound (unknown route), 500 InternalError (no detail: see set_internal_error).
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace kcpp::server {

// CODE may be empty (then no X-Error-Code header is sent).
void set_error(httplib::Response& res, int status, std::string_view code, std::string_view message);

// Maps an error thrown while answering REQUEST_URL (absolute, used in RepoNotFound messages
// the way the Hub words them) to status, code and message.
void set_error_from(httplib::Response& res, const Error& error, const std::string& request_url);

// A 500 whose answer carries only an id; DETAIL (which may name server paths) goes to the
// server's log under that id.
void set_internal_error(httplib::Response& res, std::string_view detail);

// Replaces every occurrence of the HIDDEN strings (the storage root's spellings) in an error
// answer's X-Error-Message and body with "<storage>": the last guard that keeps server paths
// out of answers. Answers without X-Error-Message (file content) are left alone.
void scrub_error(httplib::Response& res, const std::vector<std::string>& hidden);

void set_json(httplib::Response& res, const nlohmann::ordered_json& body, int status = 200);

}  // namespace kcpp::server
