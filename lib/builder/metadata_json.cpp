#include "builder/metadata_json.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <fstream>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/base64.hpp"
#include "core/hash.hpp"
#include "kcpp/build_info.hpp"
#include "repo/metadata.hpp"
#include "core/strings.hpp"

namespace kcpp::builder {

namespace stdfs = std::filesystem;

namespace {

ordered_json kernel_dependency_json(const KernelDependency& d) {
  ordered_json j;
  j["repo-id"] = d.repo_id;
  if (d.version)
    j["version"] = *d.version;
  else
    j["revision"] = d.revision.value_or("");
  return j;
}

std::string sha256_base64_of_file(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error(ErrorKind::io, fmt::format("Cannot read `{}` for hashing", p.string()));
  hash::Hasher h(hash::Algorithm::sha256);
  std::string buf(1 << 16, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) h.update(std::string_view(buf.data(), static_cast<std::size_t>(in.gcount())));
  }
  return base64_encode(h.finish_raw());
}

// {"commit": oid, "dirty": bool} from a provenance entry that may spell commit as `sha`.
void copy_git_status(const ordered_json& from, ordered_json& to) {
  const ordered_json* commit = from.contains("commit") ? &from["commit"] : from.contains("sha") ? &from["sha"] : nullptr;
  if (commit && commit->is_string()) to["commit"] = strings::ascii_lower(commit->get<std::string>());
  if (from.contains("dirty")) to["dirty"] = from["dirty"];
}

}  // namespace

ordered_json make_metadata(const BuildConfig& config, Backend backend, const MetadataFields& fields) {
  const General& g = config.general;
  ordered_json m = ordered_json::object();
  m["name"] = g.name;
  m["id"] = fields.id;
  m["version"] = g.version;
  m["license"] = g.license;
  if (g.upstream) m["upstream"] = *g.upstream;
  if (g.source) m["source"] = *g.source;
  m["python-depends"] = python_depends_for(config, backend);
  ordered_json deps = ordered_json::array();
  for (const auto& d : kernel_depends_for(config, backend)) deps.push_back(kernel_dependency_json(d));
  m["kernel-depends"] = deps;
  ordered_json b = ordered_json::object();
  b["type"] = std::string(backend_name(backend));
  if (fields.archs) b["archs"] = *fields.archs;
  m["backend"] = b;
  ordered_json prov = ordered_json::object();
  prov["kernel-builder"] = ordered_json{{"version", kToolVersion}};
  if (fields.kernel) prov["kernel"] = ordered_json{{"commit", fields.kernel->commit}, {"dirty", fields.kernel->dirty}};
  m["provenance"] = prov;
  return m;
}

ordered_json digest_of(const stdfs::path& variant_dir) {
  std::map<std::string, std::string> files;
  std::error_code ec;
  // Like walkdir's defaults upstream: symlinked files are hashed through the link, symlinked
  // directories are not descended into.
  stdfs::recursive_directory_iterator it(variant_dir, ec), end;
  if (ec) throw Error(ErrorKind::io, fmt::format("Cannot read `{}` for hashing: {}", variant_dir.string(), ec.message()));
  for (; it != end; it.increment(ec)) {
    if (ec) throw Error(ErrorKind::io, fmt::format("Failed to read directory entry for hashing: {}", ec.message()));
    const stdfs::path& p = it->path();
    if (!stdfs::is_regular_file(p, ec)) continue;  // follows symlinks, like canonicalize + is_file
    stdfs::path rel = p.lexically_relative(variant_dir);
    const std::string name = rel.filename().string();
    if (it.depth() == 0 && (name == "metadata.json" || name == "metadata.json.sigstore")) continue;
    if (std::any_of(rel.begin(), rel.end(), [](const stdfs::path& c) { return c == "__pycache__"; })) continue;
    if (rel.extension() == ".pyc") continue;
    std::string key = rel.generic_string();
    std::replace(key.begin(), key.end(), '\\', '/');
    files[key] = sha256_base64_of_file(p);
  }
  ordered_json f = ordered_json::object();
  for (const auto& [k, v] : files) f[k] = v;
  return ordered_json{{"algorithm", "sha256"}, {"files", f}};
}

ordered_json with_digest(const ordered_json& metadata, ordered_json digest) {
  ordered_json out = ordered_json::object();
  for (auto& [k, v] : metadata.items())
    if (k != "provenance" && k != "digest") out[k] = v;
  out["digest"] = std::move(digest);
  if (metadata.contains("provenance")) out["provenance"] = metadata["provenance"];
  return out;
}

std::string render_metadata(const ordered_json& metadata) {
  // serde_json escapes only '"', '\\' and control characters; non-ASCII stays UTF-8.
  return metadata.dump(2, ' ', false, nlohmann::json::error_handler_t::strict);
}

ordered_json canonical_metadata(const ordered_json& in) {
  ordered_json m = ordered_json::object();
  for (const char* key : {"name", "id", "version", "license", "upstream", "source", "python-depends"})
    if (in.contains(key) && !(in[key].is_null() && (std::string(key) == "upstream" || std::string(key) == "source")))
      m[key] = in[key];
  ordered_json deps = ordered_json::array();
  if (in.contains("kernel-depends") && in["kernel-depends"].is_array())
    for (const auto& d : in["kernel-depends"]) {
      ordered_json e;
      for (const char* key : {"repo-id", "version", "revision"})
        if (d.contains(key) && !d[key].is_null()) e[key] = d[key];
      deps.push_back(e);
    }
  m["kernel-depends"] = deps;
  if (in.contains("backend")) {
    ordered_json b;
    b["type"] = in["backend"].value("type", "");
    if (in["backend"].contains("archs") && !in["backend"]["archs"].is_null()) b["archs"] = in["backend"]["archs"];
    m["backend"] = b;
  }
  if (in.contains("digest") && !in["digest"].is_null()) m["digest"] = in["digest"];
  if (in.contains("provenance") && in["provenance"].is_object()) {
    const ordered_json& p = in["provenance"];
    ordered_json out = ordered_json::object();
    if (p.contains("kernel-builder")) {
      ordered_json kb;
      kb["version"] = p["kernel-builder"].value("version", "");
      copy_git_status(p["kernel-builder"], kb);
      out["kernel-builder"] = kb;
    }
    if (p.contains("kernel") && p["kernel"].is_object()) {
      ordered_json k = ordered_json::object();
      copy_git_status(p["kernel"], k);
      out["kernel"] = k;
    }
    m["provenance"] = out;
  }
  return m;
}

void hash_variant(const stdfs::path& variant_dir) {
  const stdfs::path path = variant_dir / "metadata.json";
  std::string text;
  try {
    text = fs::read_file(path);
  } catch (const Error& e) {
    throw Error(ErrorKind::io, fmt::format("Cannot open `{}` for reading", path.string())).cause(e.what());
  }
  repo::parse_metadata(text, path.string());  // upstream's checks, with positions
  ordered_json m = canonical_metadata(ordered_json::parse(text));
  fs::atomic_write(path, render_metadata(with_digest(m, digest_of(variant_dir))));
}

std::vector<stdfs::path> discover_variant_dirs(const stdfs::path& kernel_dir, stdfs::path* found_in) {
  const std::vector<stdfs::path> candidates = {kernel_dir / "result", kernel_dir / "build", kernel_dir};
  for (const auto& c : candidates) {
    std::error_code ec;
    if (!stdfs::is_directory(c, ec)) continue;
    std::vector<stdfs::path> variants;
    for (stdfs::directory_iterator it(c, ec), end; !ec && it != end; it.increment(ec))
      if (stdfs::is_directory(it->path(), ec) && stdfs::is_regular_file(it->path() / "metadata.json", ec))
        variants.push_back(it->path());
    if (!variants.empty()) {
      std::sort(variants.begin(), variants.end());
      if (found_in) *found_in = c;
      return variants;
    }
  }
  throw Error(ErrorKind::failure, fmt::format("No build variants found in `{}`, `{}`, or `{}`", candidates[0].string(),
                                              candidates[1].string(), candidates[2].string()))
      .hint("build the kernel first (`kernel-builder build`)");
}

}  // namespace kcpp::builder
