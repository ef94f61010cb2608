#include "server/fault_injection.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>

#include "core/error.hpp"
#include "core/hash.hpp"

namespace kcpp::server {

namespace {

constexpr std::string_view kRuleSyntax =
    "the syntax is KIND[=ARG][xCOUNT][@ERROR_CODE][:PATH_PREFIX] with KIND a status (400-599), reset, truncate, "
    "stall, wrong-etag or corrupt-lfs, e.g. reset x2:/lfs-objects/ written as resetx2:/lfs-objects/";
constexpr std::string_view kRandomSyntax =
    "the syntax is random:seed=S,rate=R[,count=N][,kinds=K+K+...][,stall=MS][,retry-after=S][,prefix=/P], "
    "e.g. random:seed=7,rate=0.2";

bool parse_long(std::string_view s, long& out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

struct Named {
  std::string_view name;
  FaultKind kind;
};
constexpr Named kNamed[] = {{"reset", FaultKind::reset},
                            {"truncate", FaultKind::truncate},
                            {"stall", FaultKind::stall},
                            {"wrong-etag", FaultKind::wrong_etag},
                            {"corrupt-lfs", FaultKind::corrupt_lfs}};

// KIND[=ARG] into SPEC; returns an explanation when malformed.
std::string parse_kind(std::string_view text, FaultSpec& spec) {
  auto eq = text.find('=');
  auto name = text.substr(0, eq);
  spec.kind = FaultKind::status;
  bool named = false;
  for (const auto& n : kNamed)
    if (name == n.name) {
      spec.kind = n.kind;
      named = true;
    }
  if (!named) {
    long status = 0;
    if (!parse_long(name, status)) return "STATUS must be a number";
    if (status < 400 || status > 599) return "STATUS must be between 400 and 599";
    spec.status = static_cast<int>(status);
  }
  if (eq != std::string_view::npos) {
    long arg = 0;
    if (!parse_long(text.substr(eq + 1), arg) || arg < 0) return "ARG after '=' must be a number >= 0";
    if (spec.kind != FaultKind::status && spec.kind != FaultKind::stall)
      return "only status and stall faults take an ARG";
    spec.arg = arg;
  }
  return {};
}

// The shared grammar of --inject and --faults rules. STATUS_ONLY: --inject.
FaultSpec parse_rule(std::string_view text, bool status_only) {
  const std::string option = status_only ? "--inject" : "--faults";
  auto bad = [&](const std::string& why) {
    return usage_error("invalid " + option + " spec '" + std::string(text) + "': " + why)
        .hint(status_only
                  ? std::string("the syntax is STATUS[xCOUNT][@ERROR_CODE][:PATH_PREFIX], e.g. 500x2:/api/kernels/")
                  : std::string(kRuleSyntax));
  };
  FaultSpec spec;
  auto colon = text.find(':');
  auto head = text.substr(0, colon);
  if (colon != std::string_view::npos) {
    spec.path_prefix = std::string(text.substr(colon + 1));
    if (spec.path_prefix.empty() || spec.path_prefix.front() != '/') throw bad("the path prefix must start with '/'");
  }
  if (auto at = head.find('@'); at != std::string_view::npos) {
    spec.error_code = std::string(head.substr(at + 1));
    head = head.substr(0, at);
    if (spec.error_code.empty()) throw bad("ERROR_CODE after '@' is empty");
    for (char c : spec.error_code)
      if (!std::isalnum(static_cast<unsigned char>(c))) throw bad("ERROR_CODE must be letters and digits");
  }
  auto x = head.find('x');
  auto kind = head.substr(0, x);
  if (status_only && kind.find('=') != std::string_view::npos) throw bad("STATUS must be a number");
  if (auto why = parse_kind(kind, spec); !why.empty()) throw bad(why);
  if (status_only && spec.kind != FaultKind::status) throw bad("STATUS must be a number (other kinds need --faults)");
  if (!spec.error_code.empty() && spec.kind != FaultKind::status) throw bad("only status faults take an @ERROR_CODE");
  if (x != std::string_view::npos) {
    long count = 0;
    if (!parse_long(head.substr(x + 1), count) || count < 1) throw bad("COUNT must be a positive number");
    spec.count = count;
  }
  return spec;
}

using hash::splitmix64;

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool prefix_matches(const std::string& prefix, const FaultRequest& r) {
  return prefix.empty() || starts_with(r.path, prefix) || starts_with(r.decoded_path, prefix);
}

}  // namespace

std::string FaultSpec::name() const {
  if (kind == FaultKind::status) return std::to_string(status);
  for (const auto& n : kNamed)
    if (n.kind == kind) return std::string(n.name);
  return "unknown";
}

long FaultSpec::arg_or_default() const {
  if (arg >= 0) return arg;
  return kind == FaultKind::stall ? 2000 : 1;
}

FaultSpec parse_fault_spec(std::string_view text) { return parse_rule(text, true); }

FaultSpec parse_fault_rule(std::string_view text) { return parse_rule(text, false); }

RandomFaults parse_random_faults(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return usage_error("invalid --faults spec '" + std::string(text) + "': " + why).hint(std::string(kRandomSyntax));
  };
  if (!is_random_faults_spec(text)) throw bad("it must start with 'random:'");
  RandomFaults r;
  bool have_seed = false, have_rate = false;
  long stall_ms = -1, retry_after = -1;
  std::string kinds = "500+502+503+429+reset+truncate+stall+wrong-etag+corrupt-lfs";
  std::string_view rest = text.substr(7);
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    auto eq = item.find('=');
    if (eq == std::string_view::npos) throw bad("'" + std::string(item) + "' is not KEY=VALUE");
    auto key = item.substr(0, eq);
    auto value = item.substr(eq + 1);
    long n = 0;
    if (key == "seed") {
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), r.seed);
      if (ec != std::errc() || ptr != value.data() + value.size()) throw bad("seed must be a number");
      have_seed = true;
    } else if (key == "rate") {
      std::string v(value);
      char* end = nullptr;
      r.rate = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !(r.rate > 0.0 && r.rate <= 1.0)) throw bad("rate must be in (0, 1]");
      have_rate = true;
    } else if (key == "count") {
      if (!parse_long(value, n) || n < 1) throw bad("count must be a positive number");
      r.count = n;
    } else if (key == "kinds") {
      kinds = std::string(value);
    } else if (key == "stall") {
      if (!parse_long(value, stall_ms) || stall_ms < 0) throw bad("stall must be milliseconds >= 0");
    } else if (key == "retry-after") {
      if (!parse_long(value, retry_after) || retry_after < 0) throw bad("retry-after must be seconds >= 0");
    } else if (key == "prefix") {
      r.path_prefix = std::string(value);
      if (r.path_prefix.empty() || r.path_prefix.front() != '/') throw bad("prefix must start with '/'");
    } else {
      throw bad("unknown key '" + std::string(key) + "'");
    }
  }
  if (!have_seed || !have_rate) throw bad("seed and rate are required");
  std::string_view ks = kinds;
  while (!ks.empty()) {
    auto plus = ks.find('+');
    auto k = ks.substr(0, plus);
    ks = plus == std::string_view::npos ? std::string_view() : ks.substr(plus + 1);
    FaultSpec spec;
    if (auto why = parse_kind(k, spec); !why.empty()) throw bad("kind '" + std::string(k) + "': " + why);
    if (spec.arg < 0 && spec.kind == FaultKind::stall) spec.arg = stall_ms;
    if (spec.arg < 0 && spec.kind == FaultKind::status && (spec.status == 429 || spec.status == 503))
      spec.arg = retry_after;
    r.kinds.push_back(spec);
  }
  if (r.kinds.empty()) throw bad("kinds is empty");
  return r;
}

bool fault_applies(FaultKind kind, const FaultRequest& r) {
  const bool read = r.method == "GET" || r.method == "HEAD";
  const bool lfs_object = starts_with(r.decoded_path, "/lfs-objects/");
  switch (kind) {
    case FaultKind::status:
      return true;
    case FaultKind::reset:
    case FaultKind::truncate:
    case FaultKind::stall:
      return r.method != "HEAD" && r.method != "OPTIONS";
    case FaultKind::wrong_etag:
      return read && (lfs_object || r.decoded_path.find("/resolve/") != std::string_view::npos);
    case FaultKind::corrupt_lfs:
      return r.method == "GET" && lfs_object;
  }
  return false;
}

std::optional<FaultSpec> FaultInjector::take(const FaultRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& spec : specs_) {
    if (spec.count && *spec.count <= 0) continue;
    if (!prefix_matches(spec.path_prefix, request) || !fault_applies(spec.kind, request)) continue;
    if (spec.count) --*spec.count;
    return spec;
  }
  return take_random(request);
}

std::optional<FaultSpec> FaultInjector::take_random(const FaultRequest& request) {
  if (!random_ || !prefix_matches(random_->path_prefix, request)) return std::nullopt;
  if (random_->count && random_fired_ >= *random_->count) return std::nullopt;
  std::string key = std::string(request.method) + " " + std::string(request.path);
  std::uint64_t occurrence = seen_[key]++;
  std::uint64_t h = splitmix64(random_->seed ^ splitmix64(fnv1a(key) ^ splitmix64(occurrence)));
  double u = static_cast<double>(h >> 11) * 0x1.0p-53;  // uniform in [0, 1)
  if (u >= random_->rate) return std::nullopt;
  std::vector<const FaultSpec*> eligible;
  for (const auto& k : random_->kinds)
    if (fault_applies(k.kind, request)) eligible.push_back(&k);
  if (eligible.empty()) return std::nullopt;
  ++random_fired_;
  return *eligible[splitmix64(h) % eligible.size()];
}

}  // namespace kcpp::server
