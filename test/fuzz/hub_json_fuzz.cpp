// libFuzzer target for what the Hub sends back (lib/hub/responses: refs, tree pages, repo
// info, whoami, organization overview, create-repo, preupload, LFS batch and commit
// answers; lib/hub/errors: error documents; lib/hub/http: Link headers; lib/hub/server_url:
// the gate for server-given URLs; core/log: the redaction applied to every server text that
// reaches a message). Each input is fed to all of them. Properties: only kcpp::Error is
// thrown; the hand-written Link and redaction scanners agree with the std::regex patterns
// they replaced (on inputs short enough for std::regex's recursive matcher); a URL the gate
// accepts is an http(s) URL of printable ASCII without credentials, https-only when asked,
// and accepted again unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/log.hpp"
#include "fuzz_common.hpp"
#include "../unit/support/regex_oracles.hpp"
#include "hub/commit_payload.hpp"
#include "hub/errors.hpp"
#include "hub/http.hpp"
#include "hub/responses.hpp"
#include "hub/server_url.hpp"

using namespace kcpp;

namespace {

const hub::RepoId kRepo{"org", "relu"};
const std::string kUrl = "http://127.0.0.1:1/api/kernels/org/relu/refs?token=secret";
const std::string kEndpoint = "http://127.0.0.1:1";

template <typename F>
void expect_error_only(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    KCPP_FUZZ_CHECK(e.kind() == ErrorKind::parse || e.kind() == ErrorKind::http, e.what());
  }
}

using test::regex_link_next;
using test::regex_redact;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  expect_error_only([&] { (void)hub::parse_refs(body, "refs of org/relu", kUrl); });
  expect_error_only([&] { (void)hub::parse_tree_page(body, "tree of org/relu", kUrl); });
  expect_error_only([&] {
    auto info = hub::parse_repo_info(body, kRepo, "v1", kUrl);
    KCPP_FUZZ_CHECK(hub::is_commit_sha(info.sha), info.sha);
  });
  expect_error_only([&] { KCPP_FUZZ_CHECK(!hub::parse_whoami(body, kUrl).name.empty(), "empty name accepted"); });
  expect_error_only([&] { (void)hub::parse_publisher_overview(body, "org", kUrl); });
  expect_error_only([&] { (void)hub::parse_create_repo(body, "fallback", false, kUrl); });
  expect_error_only([&] { (void)hub::parse_create_repo(body, "fallback", true, kUrl); });
  expect_error_only([&] { (void)hub::parse_preupload(body, kRepo); });
  expect_error_only([&] { (void)hub::parse_lfs_batch(body, kRepo, kEndpoint); });
  expect_error_only([&] {
    auto c = hub::parse_commit_answer(body, kRepo);
    if (c.pull_request_url) (void)hub::pr_number_from_url(*c.pull_request_url);
  });

  // An error document, with the same text as its X-Error-Message too.
  hub::HttpResponse r;
  r.status = 400 + static_cast<long>(size % 200);
  r.body = std::string(body);
  r.url = kUrl;
  hub::RequestContext ctx{kRepo, hub::RepoType::kernel, std::string("v1"), std::nullopt, kEndpoint};
  (void)hub::error_from_response(r, "GET", ctx);
  ctx.write_action = "create a commit on";
  (void)hub::error_from_response(r, "POST", ctx);
  r.headers.emplace_back("x-error-message", std::string(body));
  r.headers.emplace_back("x-error-code", size % 2 ? "RepoNotFound" : "EntryNotFound");
  (void)hub::error_from_response(r, "GET", ctx);

  // Server text that reaches messages, and the Link header of tree pages.
  const std::string redacted = log::redact(body);
  const auto next = hub::parse_link_next(body);
  (void)hub::rewrite_hub_href(std::string(body), kEndpoint);
  // Server-given URLs (a Location, a Link, an LFS href), against an http and an https base.
  for (bool https : {false, true}) {
    const hub::UrlPolicy policy{https};
    const std::string base = https ? "https://hub.example/api/kernels/org/relu/tree/v1" : kUrl;
    try {
      const std::string url = hub::check_server_url(body, base, policy, "the fuzzed URL");
      KCPP_FUZZ_CHECK(url.rfind(https ? "https://" : "http", 0) == 0, url);
      for (unsigned char c : url) KCPP_FUZZ_CHECK(c > 0x20 && c < 0x7f && c != '\\', url);
      const auto start = url.find("://") + 3;
      const auto authority = url.substr(start, url.find_first_of("/?", start) - start);
      KCPP_FUZZ_CHECK(authority.find('@') == std::string::npos, url);
      KCPP_FUZZ_CHECK(hub::check_server_url(url, base, policy, "again") == url, url);
    } catch (const Error& e) {
      KCPP_FUZZ_CHECK(e.kind() == ErrorKind::http, e.what());
    }
  }

  if (size <= 256) {
    const std::string text(body);
    KCPP_FUZZ_CHECK(redacted == regex_redact(text), text);
    KCPP_FUZZ_CHECK(next == regex_link_next(text), text);
  }
  return 0;
}
