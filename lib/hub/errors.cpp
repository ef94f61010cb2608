#include "hub/errors.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "core/log.hpp"

namespace kcpp::hub {

namespace {

std::string server_message(const HttpResponse& r) {
  if (auto m = r.header("x-error-message")) return *m;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object()) {
    if (j.contains("error") && j["error"].is_string()) return j["error"].get<std::string>();
    if (j.contains("error_description") && j["error_description"].is_string())
      return j["error_description"].get<std::string>();
  }
  return {};
}

std::string repo_label(const RequestContext& c) {
  if (c.subject) return *c.subject;
  return fmt::format("{} repository '{}'", type_name(c.type), c.repo.str());
}

constexpr const char* kLoginHint = "set HF_TOKEN to a token with write access (or run `hf auth login`)";

// The write-call wording for the statuses a writer can act on; nullopt: the generic mapping.
std::optional<Error> write_error(const HttpResponse& r, const RequestContext& c, const std::string& code) {
  const std::string what = *c.write_action + " " + repo_label(c);
  const std::string rev = c.revision.value_or("main");
  switch (r.status) {
    case 401:
      if (!c.has_token)
        return Error(ErrorKind::unauthorized,
                     fmt::format("cannot {}: the Hub at {} requires a token for writes and none was sent", what,
                                 c.endpoint))
            .hint(kLoginHint);
      return Error(ErrorKind::unauthorized,
                   fmt::format("cannot {}: the Hub at {} rejected the token (invalid or expired)", what, c.endpoint))
          .hint(kLoginHint);
    case 403:
      return Error(ErrorKind::forbidden, fmt::format("cannot {}: the token has no write access to it", what))
          .hint(fmt::format("use a token with the write role, or a fine-grained token with write access to '{}'; "
                            "check whose token it is with `hf auth whoami`",
                            c.repo.ns));
    case 404:
      if (code == "RevisionNotFound")
        return Error(ErrorKind::revision_not_found,
                     fmt::format("cannot {}: revision '{}' does not exist", what, rev))
            .hint("check the name: commits and new branches need an existing revision (create the branch first)");
      if (code == "EntryNotFound") return std::nullopt;
      return Error(ErrorKind::repo_not_found, fmt::format("cannot {}: it does not exist on {} (or the token cannot "
                                                          "see it)", what, c.endpoint))
          .hint("create the repository first; check the repo id and the token's account");
    case 409:
      return Error(ErrorKind::conflict, fmt::format("cannot {}: it conflicts with the repository's current state", what))
          .hint("another operation changed the repository at the same time; re-run");
    case 412:
      return Error(ErrorKind::precondition_failed,
                   fmt::format("cannot {}: the branch '{}' moved since the parent commit this change was based on",
                               what, rev))
          .hint("fetch the new head and re-run");
    case 400:
    case 422:
      return Error(ErrorKind::http, fmt::format("cannot {}: the Hub rejected the request as invalid", what))
          .hint("check the paths and files of the operation; the server's reason is above");
    case 429: {
      auto retry_after = parse_retry_after(r.header("retry-after").value_or(""));
      return Error(ErrorKind::http, fmt::format("cannot {}: the Hub is limiting the request rate (HTTP 429)", what))
          .hint(fmt::format("wait{} and re-run (after a failed commit, look at the branch's latest commit first)",
                            retry_after ? fmt::format(" {:.0f} s", *retry_after) : std::string()));
    }
    default:
      if (r.status >= 500)
        return Error(ErrorKind::http, fmt::format("cannot {}: the Hub failed (HTTP {})", what, r.status))
            .hint("this is usually temporary: re-run later (after a failed commit, look at the branch's latest "
                  "commit first)");
      return std::nullopt;
  }
}

}  // namespace

Error error_from_response(const HttpResponse& r, const std::string& method, const RequestContext& c) {
  const std::string code = r.header("x-error-code").value_or("");
  const std::string msg = server_message(r);
  const std::string rev = c.revision.value_or("main");
  // The server's own words are free text: escaped here in full (a line break included), so
  // that however the error is shown later (text, --json, a log), they stay on their line.
  auto with_server = [&](Error e) {
    e.cause(fmt::format("{} {} answered HTTP {}{}", method, log::escape_controls(log::redact(r.url)), r.status,
                        msg.empty() ? "" : ": " + log::escape_controls(log::redact(msg))));
    return e;
  };
  if (c.write_action && code != "GatedRepo")
    if (auto e = write_error(r, c, code)) return with_server(std::move(*e));

  if (code == "RevisionNotFound")
    return with_server(Error(ErrorKind::revision_not_found,
                             fmt::format("revision '{}' not found in {}", rev, repo_label(c))))
        .hint("list the repository's branches and versions with `kernels versions " + c.repo.str() + "`");
  if (code == "EntryNotFound")
    return with_server(Error(ErrorKind::entry_not_found,
                             fmt::format("'{}' not found in {} at revision '{}'", c.path.value_or(""),
                                         repo_label(c), rev)));
  if (code == "GatedRepo")
    return with_server(Error(ErrorKind::gated, fmt::format("{} is gated: access must be requested", repo_label(c))))
        .hint("request access on the repository page, then set HF_TOKEN to a token of that account");
  bool invalid_credentials = r.status == 401 && msg.find("Invalid credentials") != std::string::npos;
  if (code == "RepoNotFound" || (r.status == 404 && code.empty()) || (r.status == 401 && !invalid_credentials))
    return with_server(Error(ErrorKind::repo_not_found, fmt::format("{} not found on {}", repo_label(c), c.endpoint)))
        .hint("check the repo id; for a private repository set HF_TOKEN (or run `hf auth login`)");
  if (r.status == 401)
    return with_server(Error(ErrorKind::unauthorized, fmt::format("the Hub at {} rejected the token", c.endpoint)))
        .hint("check HF_TOKEN / HF_TOKEN_PATH, or unset them for public repositories");
  if (r.status == 403)
    return with_server(Error(ErrorKind::forbidden, fmt::format("access to {} is forbidden", repo_label(c))))
        .hint("the token lacks permission for this repository");
  return with_server(Error(ErrorKind::http, fmt::format("unexpected HTTP {} from the Hub for {}", r.status,
                                                        repo_label(c))));
}

}  // namespace kcpp::hub
