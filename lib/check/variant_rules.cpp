#include "check/variant_rules.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/json_value.hpp"
#include "repo/build_tree.hpp"
#include "repo/metadata.hpp"

namespace kcpp::check {

namespace {

Finding finding(Severity s, std::string_view rule, const VariantTree& v, std::string file, std::string message,
                std::string hint) {
  Finding f;
  f.severity = s;
  f.rule = std::string(rule);
  f.variant = v.name;
  f.file = std::move(file);
  f.message = std::move(message);
  f.hint = std::move(hint);
  return f;
}

const JsonValue* member(const JsonValue& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  for (const auto& [k, v] : obj.members)
    if (k == key && !v.is_null()) return &v;
  return nullptr;
}

// The metadata backend type a variant's name implies ("" when any fits: torch-universal).
std::string expected_backend_type(const variant::Variant& v) {
  if (v.is_arch()) return v.arch().backend.name();
  const std::string& n = v.noarch().backend_name;
  if (n == "universal") return "";
  return n == "npu" ? "cann" : n;
}

std::string_view last_component(std::string_view rel) {
  const auto slash = rel.rfind('/');
  return slash == std::string_view::npos ? rel : rel.substr(slash + 1);
}

}  // namespace

bool is_python_module_name(std::string_view s) {
  static const std::array<std::string_view, 35> keywords = {
      "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
      "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
      "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
      "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  const bool chars = std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
  return chars && std::find(keywords.begin(), keywords.end(), s) == keywords.end();
}

void check_layout(const VariantTree& v, const std::optional<variant::Variant>& parsed, const std::string& python_name,
                  std::vector<Finding>& out) {
  using S = Severity;
  if (!parsed) {
    std::string why;
    variant::try_parse(v.name, &why);
    out.push_back(finding(S::error, rule::layout, v, "",
                          fmt::format("`{}` is not a build variant name: {}", v.name, why),
                          "variant directories are named like torch211-cxx11-cu130-x86_64-linux or torch-universal; "
                          "kernels skips (and cannot load) any other directory under build/"));
  }
  if (!v.file("metadata.json"))
    out.push_back(finding(S::error, rule::layout, v, "metadata.json", "metadata.json is missing",
                          "kernels cannot load a variant without metadata.json; rebuild it with kernel-builder"));
  const bool root_init = v.file("__init__.py") != nullptr;
  const bool compat_init = !python_name.empty() && v.file(python_name + "/__init__.py") != nullptr;
  if (!root_init && !compat_init)
    out.push_back(finding(S::error, rule::layout, v, "__init__.py",
                          python_name.empty()
                              ? "__init__.py is missing"
                              : fmt::format("__init__.py is missing (and so is {}/__init__.py)", python_name),
                          "kernels imports build/<variant>/__init__.py; rebuild the variant with kernel-builder"));
  else if (!root_init)
    out.push_back(finding(S::warning, rule::layout, v, "__init__.py",
                          fmt::format("__init__.py is missing; only the legacy {}/__init__.py exists", python_name),
                          "kernels still loads the legacy layout, but current kernel-builder puts __init__.py at the "
                          "variant root"));
  if (!python_name.empty()) {
    if (!v.dirs.count(python_name))
      out.push_back(finding(S::warning, rule::layout, v, python_name + "/",
                            fmt::format("compatibility directory {}/ is missing", python_name),
                            "kernels releases that predate the root __init__.py import the kernel from "
                            "build/<variant>/<name>/; kernel-builder stopped generating it (upstream #736)"));
    else if (!compat_init)
      out.push_back(finding(S::error, rule::layout, v, python_name + "/__init__.py",
                            fmt::format("compatibility directory {}/ has no __init__.py", python_name),
                            "add the compatibility module (it re-exports the variant's __init__.py) or remove the "
                            "directory"));
  }
  std::size_t bytecode = 0;
  for (const auto& f : v.files)
    if (excluded_from_digest(f.rel) && f.rel != "metadata.json" && f.rel != "metadata.json.sigstore" && bytecode++ < 20)
      out.push_back(finding(S::error, rule::layout, v, f.rel, "Python bytecode in a build variant",
                            "delete *.pyc files and __pycache__ directories before uploading (set "
                            "PYTHONDONTWRITEBYTECODE=1 when testing the build)"));
  // An empty __pycache__ directory (local trees only: git has no empty directories).
  for (const auto& d : v.dirs)
    if (last_component(d) == "__pycache__" &&
        std::none_of(v.files.begin(), v.files.end(), [&](const TreeFile& f) { return f.rel.starts_with(d + "/"); }))
      out.push_back(finding(S::error, rule::layout, v, d + "/", "__pycache__ directory in a build variant",
                            "delete __pycache__ directories before uploading"));
}

std::optional<MetadataFacts> check_metadata(std::string_view text, const VariantTree& v,
                                            const std::optional<variant::Variant>& parsed,
                                            std::optional<long> branch_version, std::vector<Finding>& out) {
  using S = Severity;
  const std::string display = repo::metadata_path(v.name);
  try {
    repo::parse_metadata(text, display);
  } catch (const Error& e) {
    std::string what = e.what();
    if (what.starts_with(display + ":")) what = "line " + what.substr(display.size() + 1);
    out.push_back(finding(S::error, rule::metadata, v, "metadata.json", "metadata.json is invalid: " + what,
                          "kernels (and kernel-builder check-builds) reject this file; fix it or rebuild the variant"));
    return std::nullopt;
  }
  const JsonValue doc = parse_json(text);  // valid: parse_metadata accepted it
  MetadataFacts m;
  m.name = member(doc, "name")->text;
  m.python_name = m.name;
  std::replace(m.python_name.begin(), m.python_name.end(), '-', '_');
  m.id = member(doc, "id")->text;
  m.version = member(doc, "version")->unsigned_value;
  const JsonValue* backend = member(doc, "backend");
  m.backend_type = member(*backend, "type")->text;
  if (const auto* archs = member(*backend, "archs")) {
    m.archs.emplace();
    for (const auto& a : archs->items) m.archs->push_back(a.text);
  }
  if (const auto* digest = member(doc, "digest")) {
    Digest d;
    d.algorithm = *parse_digest_algorithm(member(*digest, "algorithm")->text);
    for (const auto& [path, hash] : member(*digest, "files")->members) d.files[path] = hash.text;
    m.digest = std::move(d);
  }

  if (!is_python_module_name(m.id))
    out.push_back(finding(S::error, rule::metadata, v, "metadata.json",
                          fmt::format("`id` \"{}\" is not a valid Python module name", m.id),
                          "kernels imports the variant as sys.modules[id]; kernel-builder writes "
                          "_<python name>_<backend>_<unique id>"));
  if (branch_version && static_cast<long>(m.version) != *branch_version)
    out.push_back(finding(S::error, rule::metadata, v, "metadata.json",
                          fmt::format("`version` is {} but the variant is on branch v{}", m.version, *branch_version),
                          fmt::format("branch v{} must hold builds of major version {}; upload to branch v{} or fix "
                                      "general.version in build.toml",
                                      *branch_version, *branch_version, m.version)));
  if (parsed) {
    const std::string expected = expected_backend_type(*parsed);
    if (!expected.empty() && expected != m.backend_type)
      out.push_back(
          finding(S::warning, rule::metadata, v, "metadata.json",
                  fmt::format("backend.type is \"{}\" but the variant name says \"{}\"", m.backend_type, expected),
                  "the metadata and the directory name should describe the same build"));
  }
  return m;
}

std::size_t check_digest(const VariantTree& v, const Digest& expected, std::vector<Finding>& out) {
  Digest actual;
  actual.algorithm = expected.algorithm;
  for (const auto& f : v.files) {
    if (excluded_from_digest(f.rel)) continue;
    if (!expected.files.count(f.rel)) {
      actual.files[f.rel] = "";  // reported as unknown whatever its hash: not fetched from the Hub
    } else if (!f.local.empty()) {
      actual.files[f.rel] = hash_file_base64(f.local, expected.algorithm);
    } else if (f.sha256_hex && expected.algorithm == DigestAlgorithm::sha256) {
      actual.files[f.rel] = base64(hash::from_hex(*f.sha256_hex));
    } else {
      throw Error(ErrorKind::failure, fmt::format("internal: no content for {}/{} to hash", v.name, f.rel));
    }
  }
  for (const auto& violation : validate_digest(expected, actual)) {
    Finding f = finding(Severity::error, rule::digest, v, violation.path, violation.message(), "");
    using K = DigestViolation::Kind;
    switch (violation.kind) {
      case K::missing_file:
        f.hint = "the digest lists a file the variant does not have: re-upload the full variant";
        break;
      case K::unknown_file:
        f.hint = "a file was added after the digest was written: remove it, or re-run `kernel-builder hash`";
        break;
      case K::hash_mismatch:
        f.hint =
            "the file changed after the digest was written: rebuild, or re-run `kernel-builder hash` if the change is "
            "intended";
        break;
      case K::algorithm_mismatch:
        f.hint = "hash the variant with the algorithm its digest names";
        break;
    }
    out.push_back(std::move(f));
  }
  return actual.files.size();
}

}  // namespace kcpp::check
