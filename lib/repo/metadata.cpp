#include "repo/metadata.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <map>

#include "core/error.hpp"
#include "core/log.hpp"
#include "repo/commit_id.hpp"
#include "core/json_value.hpp"
#include "core/strings.hpp"

namespace kcpp::repo {

namespace {

const std::vector<std::string> kBackends = {"cann", "cpu", "cuda", "metal", "neuron", "rocm", "tpu", "xpu"};
const std::vector<std::string> kGitSchemes = {"https", "http", "git", "ssh", "git+ssh", "git+https", "git+http"};

bool valid_kernel_name(std::string_view n) {
  if (n.size() < 2 || !(n.front() >= 'a' && n.front() <= 'z')) return false;
  char last = n.back();
  if (!((last >= 'a' && last <= 'z') || (last >= '0' && last <= '9'))) return false;
  return std::all_of(n.begin(), n.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

class MetadataReader {
 public:
  explicit MetadataReader(std::string path) : path_(std::move(path)) {}

  // The message quotes the file's values (a server's): escaped, so it stays one line.
  [[noreturn]] void fail(const TextPosition& at, const std::string& message) const {
    throw Error(ErrorKind::parse, log::escape_controls(fmt::format("{}:{}:{}: {}", path_, at.line, at.column, message)));
  }
  [[noreturn]] void wrong_type(const JsonValue& v, std::string_view expected) const {
    fail(v.where, fmt::format("invalid type: {}, expected {}", v.describe(), expected));
  }

  // Known fields of a struct (duplicates rejected); unknown ones rejected when DENY.
  std::map<std::string, const JsonValue*> fields(const JsonValue& obj, const std::vector<std::string>& known,
                                                 std::string_view struct_name, bool deny_unknown) const {
    if (!obj.is_object()) wrong_type(obj, fmt::format("struct {}", struct_name));
    std::map<std::string, const JsonValue*> out;
    for (const auto& [key, value] : obj.members) {
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        if (deny_unknown) {
          std::string list;
          for (std::size_t i = 0; i < known.size(); ++i) list += (i ? ", `" : "`") + known[i] + "`";
          fail(value.where, fmt::format("unknown field `{}`, expected one of {}", key, list));
        }
        continue;
      }
      if (out.count(key)) fail(value.where, fmt::format("duplicate field `{}`", key));
      out[key] = &value;
    }
    return out;
  }

  const JsonValue& required(const std::map<std::string, const JsonValue*>& f, const std::string& key,
                            const JsonValue& obj) const {
    auto it = f.find(key);
    if (it == f.end()) fail(obj.where, fmt::format("missing field `{}`", key));
    return *it->second;
  }
  static const JsonValue* optional(const std::map<std::string, const JsonValue*>& f, const std::string& key) {
    auto it = f.find(key);
    return it == f.end() || it->second->is_null() ? nullptr : it->second;
  }

  const std::string& string(const JsonValue& v) const {
    if (!v.is_string()) wrong_type(v, "a string");
    return v.text;
  }
  std::uint64_t usize(const JsonValue& v) const {
    if (v.type == JsonValue::Type::negative_integer)
      fail(v.where, fmt::format("invalid value: integer `{}`, expected usize", v.text));
    if (v.type != JsonValue::Type::unsigned_integer) wrong_type(v, "usize");
    return v.unsigned_value;
  }
  void strings(const JsonValue& v) const {
    if (!v.is_array()) wrong_type(v, "a sequence");
    for (const auto& item : v.items) string(item);
  }
  bool boolean(const JsonValue& v) const {
    if (v.type != JsonValue::Type::boolean) wrong_type(v, "a boolean");
    return v.boolean;
  }
  void git_url(const JsonValue& v) const {
    std::string why;
    if (!is_valid_git_url(string(v), &why)) fail(v.where, why);
  }
  void oid(const JsonValue& v) const {
    if (!is_commit_id(string(v)))
      fail(v.where, "Invalid git object id, expected 40 or 64 hexadecimal digits: " + v.text);
  }
  // Version "X.Y.Z" (kernels-minver).
  void version3(const JsonValue& v) const {
    const std::string s = strings::trim(string(v));
    if (s.empty()) fail(v.where, "Empty version string");
    std::vector<std::string> parts;
    for (std::size_t start = 0;;) {
      auto dot = s.find('.', start);
      parts.push_back(s.substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    for (const auto& p : parts)
      if (p.empty() || !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; }))
        fail(v.where, "Version must consist of numbers: " + v.text);
    if (parts.size() != 3) fail(v.where, fmt::format("Version has {} components, expected 3", parts.size()));
  }

  // {"commit"|"sha": oid, "dirty": bool}: both required, or (kernel-builder) both or neither.
  // Returns the `dirty` flag (false when absent).
  bool git_status(const JsonValue& obj, bool required_commit) const {
    if (!obj.is_object()) wrong_type(obj, "struct GitStatus");
    const JsonValue* commit = nullptr;
    const JsonValue* dirty = nullptr;
    for (const auto& [key, value] : obj.members) {
      if (key == "commit" || key == "sha") {
        if (commit) fail(value.where, "duplicate field `commit`");
        commit = &value;
      } else if (key == "dirty") {
        if (dirty) fail(value.where, "duplicate field `dirty`");
        dirty = &value;
      }
    }
    if (commit) oid(*commit);
    if (dirty) boolean(*dirty);
    if (required_commit) {
      if (!commit) fail(obj.where, "missing field `commit`");
      if (!dirty) fail(obj.where, "missing field `dirty`");
    } else if (!commit != !dirty) {
      fail(obj.where, "git commit and dirty must be specified together");
    }
    return dirty && dirty->boolean;
  }

  Dependency dependency(const JsonValue& v) const {
    auto f = fields(v, {"repo-id", "version", "revision"}, "KernelDependencyRepr", true);
    const JsonValue& id = required(f, "repo-id", v);
    const StatedRepoId repo(string(id), fmt::format("{}:{}:{}", path_, id.where.line, id.where.column));
    const JsonValue* version = optional(f, "version");
    const JsonValue* revision = optional(f, "revision");
    if (version && revision) fail(v.where, "`version` and `revision` are mutually exclusive");
    if (!version && !revision) fail(v.where, "either `version` or `revision` must be specified");
    if (version) return Dependency::version(repo, usize(*version));
    return Dependency::revision(repo, string(*revision));
  }

  VariantMetadata read(std::string_view text) const {
    JsonValue doc;
    try {
      doc = parse_json(text);
    } catch (const JsonSyntaxError& e) {
      fail(e.where, e.what());
    }
    auto f = fields(doc,
                    {"name", "id", "version", "kernels-minver", "license", "upstream", "source", "python-depends",
                     "kernel-depends", "backend", "digest", "provenance"},
                    "Metadata", false);
    VariantMetadata out;
    const JsonValue& name = required(f, "name", doc);
    out.name = string(name);
    if (!valid_kernel_name(out.name))
      fail(name.where, fmt::format("Invalid kernel name `{}`: it must start with a lowercase letter, contain only "
                                   "lowercase letters, digits and dashes, end with a letter or digit and be at "
                                   "least 2 characters long",
                                   out.name));
    out.id = string(required(f, "id", doc));
    out.version = usize(required(f, "version", doc));
    if (auto v = optional(f, "kernels-minver")) version3(*v);
    string(required(f, "license", doc));
    if (auto v = optional(f, "upstream")) git_url(*v);
    if (auto v = optional(f, "source")) git_url(*v);
    strings(required(f, "python-depends", doc));
    if (auto it = f.find("kernel-depends"); it != f.end()) {
      if (!it->second->is_array()) wrong_type(*it->second, "a sequence");
      for (const auto& d : it->second->items) out.kernel_depends.push_back(dependency(d));
    }
    const JsonValue& backend = required(f, "backend", doc);
    auto b = fields(backend, {"type", "archs"}, "BackendInfo", false);
    const JsonValue& type = required(b, "type", backend);
    if (!type.is_string() || std::find(kBackends.begin(), kBackends.end(), type.text) == kBackends.end())
      fail(type.where, fmt::format("unknown variant {}, expected one of `cann`, `cpu`, `cuda`, `metal`, `neuron`, "
                                   "`rocm`, `tpu`, `xpu`",
                                   type.is_string() ? "`" + type.text + "`" : type.describe()));
    if (auto archs = optional(b, "archs")) strings(*archs);
    if (auto digest = optional(f, "digest")) {
      auto d = fields(*digest, {"algorithm", "files"}, "Digest", false);
      const JsonValue& alg = required(d, "algorithm", *digest);
      if (!alg.is_string() || (alg.text != "sha256" && alg.text != "sha512"))
        fail(alg.where, fmt::format("unknown variant {}, expected `sha256` or `sha512`",
                                    alg.is_string() ? "`" + alg.text + "`" : alg.describe()));
      const JsonValue& files = required(d, "files", *digest);
      if (!files.is_object()) wrong_type(files, "a map");
      for (const auto& [k, v] : files.members) string(v);
    }
    if (auto prov = optional(f, "provenance")) {
      auto p = fields(*prov, {"kernel-builder", "kernel"}, "Provenance", false);
      const JsonValue& kb = required(p, "kernel-builder", *prov);
      auto k = fields(kb, {"version"}, "KernelBuilderVersion", false);
      string(required(k, "version", kb));
      out.dirty = git_status(kb, false);
      if (auto kernel = optional(p, "kernel")) out.dirty = git_status(*kernel, true) || out.dirty;
    }
    return out;
  }

 private:
  std::string path_;
};

}  // namespace

bool is_valid_git_url(std::string_view s, std::string* why) {
  auto invalid = [&](std::string reason) {
    if (why) *why = std::move(reason);
    return false;
  };
  const std::string bad = fmt::format("invalid git URL `{}`", s);
  // URL form: scheme ":" rest, scheme = ALPHA *(ALPHA / DIGIT / "+" / "-" / ".").
  std::size_t colon = s.find(':');
  bool has_scheme = colon != std::string_view::npos && colon > 0 &&
                    std::isalpha(static_cast<unsigned char>(s[0])) &&
                    std::all_of(s.begin(), s.begin() + static_cast<long>(colon), [](char c) {
                      return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
                    });
  if (has_scheme) {
    std::string scheme = strings::ascii_lower(s.substr(0, colon));
    if (std::find(kGitSchemes.begin(), kGitSchemes.end(), scheme) == kGitSchemes.end())
      return invalid(fmt::format("unsupported scheme `{}` in git URL `{}`, expected one of: https, http, git, ssh, "
                                 "git+ssh, git+https, git+http",
                                 s.substr(0, colon), s));
    std::string_view rest = s.substr(colon + 1);
    bool special = scheme == "http" || scheme == "https";
    if (special) {
      while (!rest.empty() && (rest.front() == '/' || rest.front() == '\\')) rest.remove_prefix(1);
    } else if (rest.substr(0, 2) == "//") {
      rest.remove_prefix(2);
    } else {
      return true;  // opaque path ("ssh:foo")
    }
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    bool userinfo_or_port = authority.find_first_of("@:") != std::string_view::npos;
    if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    std::string_view host = authority.substr(0, authority.rfind(':'));
    if (host.empty() && (special || userinfo_or_port)) return invalid(bad);
    if (host.find_first_of(" \t<>^|\\") != std::string_view::npos) return invalid(bad);
    return true;
  }
  // scp-like: [user@]host:path
  if (colon == std::string_view::npos || colon + 1 >= s.size()) return invalid(bad);
  std::string_view left = s.substr(0, colon);
  if (auto at = left.rfind('@'); at != std::string_view::npos) left.remove_prefix(at + 1);
  if (left.empty() || !std::all_of(left.begin(), left.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == '~';
      }))
    return invalid(bad);
  return true;
}

VariantMetadata parse_metadata(std::string_view text, const std::string& display_path) {
  return MetadataReader(display_path).read(text);
}

}  // namespace kcpp::repo
