#pragma once
// HTTP helpers with no dependency on the HTTP library, so they can be unit-tested alone:
// percent-coding, request-target splitting, Range parsing, timestamps.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/url.hpp"

namespace kcpp::server::http {

// Percent-coding lives in core (the Hub client shares it).
using url::percent_decode;
using url::percent_encode;

// The path part of a request target ("/a/b%2Fc?x=1" → "/a/b%2Fc"), still encoded.
std::string_view target_path(std::string_view target);

// Splits an encoded path on '/' and decodes each segment separately, so "%2F" inside a
// segment survives as a '/' within that segment: "/api/x/tree/refs%2Fheads%2Fv1/build" →
// {"api", "x", "tree", "refs/heads/v1", "build"}. Empty segments (from "//" or a trailing
// '/') are dropped.
std::vector<std::string> split_path(std::string_view encoded_path);

// A single byte range resolved against a resource of known size (inclusive bounds).
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t length() const { return last - first + 1; }
};

struct RangeDecision {
  enum class Kind { full, partial, unsatisfiable };
  Kind kind = Kind::full;
  ByteRange range;
};

// Interprets a Range header for a resource of SIZE bytes (RFC 9110 §14): "bytes=a-b",
// "bytes=a-", "bytes=-n". An absent, malformed or multi-range header means "send it all"
// (a server may ignore Range); a well-formed single range that starts at or beyond SIZE, or
// a zero-length suffix, is unsatisfiable (416). The end is clamped to SIZE-1.
RangeDecision decide_range(std::string_view header, std::uint64_t size);

// "2026-07-01T10:00:00.000Z"
std::string iso8601_utc(std::int64_t unix_seconds);

// Query-flag truthiness as the Hub reads it: "1", "true", "True", "yes" → true; "0", "false",
// "False", "no", "" → false; anything else → nullopt (the caller answers 400).
std::optional<bool> parse_flag(std::string_view value);

// Replaces CR, LF and other control characters so a value can go into a header.
std::string header_safe(std::string_view value);

}  // namespace kcpp::server::http
