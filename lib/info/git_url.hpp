#pragma once
// How kernels 0.17.2 prints metadata.json's `upstream` / `source`: the Rust side stores them
// as parsed URLs (the `url` crate, WHATWG URL Standard) and gives back their serialisation,
// so `kernels info` shows e.g. "HTTPS://Ex.COM:443" as "https://ex.com/" and the scp-like
// "git@github.com:org/repo.git" as "ssh://git@github.com/org/repo.git".
//
// Input must already be accepted by repo::is_valid_git_url. Covered: scheme lower-cased;
// scp-like form → ssh://; for http(s): host lower-cased, default port dropped, empty path →
// "/", backslashes as slashes; "." and ".." path segments resolved; the percent-encode sets
// of path, query and fragment applied to ASCII. Not covered (left as written): IDNA /
// non-ASCII hosts, IPv4 number forms, user-info encoding.
#include <string>
#include <string_view>

namespace kcpp::info {

std::string normalize_git_url(std::string_view url);

}  // namespace kcpp::info
