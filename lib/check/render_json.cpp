// `kernels check --json`: the report for CI. Keys are stable (documented in
// man/kernels-check.1); absent facts are null rather than missing. Strings are the original
// ones (invalid UTF-8 replaced by U+FFFD), terminal-safe through log::escape_json_output.
#include <nlohmann/json.hpp>

#include "check/check.hpp"
#include "core/log.hpp"

namespace kcpp::check {

namespace {

using Json = nlohmann::ordered_json;

Json opt(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }
Json opt_nonempty(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

Json finding_json(const Finding& f) {
  return Json{{"severity", std::string(severity_name(f.severity))},
              {"rule", f.rule},
              {"variant", opt_nonempty(f.variant)},
              {"file", opt_nonempty(f.file)},
              {"symbol", opt_nonempty(f.symbol)},
              {"library", opt_nonempty(f.library)},
              {"message", f.message},
              {"hint", opt_nonempty(f.hint)}};
}

Json library_json(const LibraryReport& lib) {
  const auto& a = lib.analysis;
  Json required = Json::object();
  for (const auto& [dep, r] : a.required)
    required[dep] = Json{{"version", r.version.str()}, {"tag", r.tag}, {"symbol", opt_nonempty(r.symbol)}};
  Json targets = Json::array();
  for (const auto& e : a.gpu.entries)
    targets.push_back(Json{{"kind", e.kind == abi::FatbinEntry::Kind::ptx     ? "ptx"
                                    : e.kind == abi::FatbinEntry::Kind::cubin ? "cubin"
                                                                              : "other"},
                           {"sm", e.sm},
                           {"target", e.target()},
                           {"cuobjdump", e.cuobjdump_name()}});
  Json runs = Json::array();
  for (const auto& [dev, target] : lib.gpu_runs)
    runs.push_back(Json{{"device", dev.index},
                        {"capability", dev.capability.str()},
                        {"runs", !target.empty()},
                        {"target", opt_nonempty(target)}});
  return Json{{"file", lib.file},
              {"size", lib.size},
              {"format", std::string(abi::format_name(a.format))},
              {"description", a.description},
              {"arch", opt(a.arch)},
              {"error", opt(a.parse_error)},
              {"stripped", a.format == abi::ObjectFormat::elf && !a.parse_error ? Json(a.stripped) : Json(nullptr)},
              {"soname", opt(a.soname)},
              {"needed", a.needed},
              {"required_versions", required},
              {"macos_minos", opt(a.macos_minos)},
              {"gpu_targets", targets},
              {"gpu_error", opt(a.gpu_error)},
              {"gpu_runs", runs},
              {"upstream_check_abi_fails", a.upstream_failed()}};
}

}  // namespace

std::string render_json(const CheckReport& r) {
  Json source = r.repo_id ? Json{{"kind", "hub"},
                                 {"repo_id", *r.repo_id},
                                 {"revision", r.revision},
                                 {"commit", r.commit},
                                 {"branch_version", r.branch_version ? Json(*r.branch_version) : Json(nullptr)}}
                          : Json{{"kind", "local"}, {"path", r.path.value_or(".")}};
  Json gpu = nullptr;
  if (r.gpu_probed) {
    Json devices = Json::array();
    for (const auto& d : r.gpu.devices)
      devices.push_back(Json{{"index", d.index}, {"name", d.name}, {"capability", d.capability.str()}});
    gpu = Json{{"devices", devices}, {"reason", opt_nonempty(r.gpu.reason)}};
  }
  Json variants = Json::array();
  for (const auto& v : r.variants) {
    Json libs = Json::array(), findings = Json::array();
    for (const auto& l : v.libraries) libs.push_back(library_json(l));
    for (const auto& f : v.findings) findings.push_back(finding_json(f));
    variants.push_back(
        Json{{"name", v.name},
             {"compliant", v.compliant()},
             {"errors", v.errors()},
             {"warnings", v.warnings()},
             {"digest",
              v.digest_algorithm ? Json{{"algorithm", *v.digest_algorithm}, {"files", v.digest_files}} : Json(nullptr)},
             {"signature", v.signature_bundle ? "not checked" : "unsigned"},
             {"libraries", libs},
             {"findings", findings}});
  }
  Json kernel_findings = Json::array();
  for (const auto& f : r.findings) kernel_findings.push_back(finding_json(f));
  Json fetched = Json::array();
  for (const auto& f : r.fetched) fetched.push_back(Json{{"path", f.path}, {"bytes", f.bytes}, {"cached", f.reused}});
  std::size_t compliant = 0;
  for (const auto& v : r.variants) compliant += v.compliant() ? 1 : 0;
  Json doc{{"source", source},
           {"policy", Json{{"manylinux", r.manylinux}, {"python_abi", r.python_abi.str()}, {"macos", r.macos.str()}}},
           {"compliant", r.compliant()},
           {"summary", Json{{"variants", r.variants.size()},
                            {"variants_available", r.variants_available},
                            {"compliant_variants", compliant},
                            {"errors", r.errors()},
                            {"warnings", r.warnings()}}},
           {"gpu", gpu},
           {"findings", kernel_findings},
           {"variants", variants},
           {"fetched", r.repo_id ? fetched : Json(nullptr)}};
  return log::escape_json_output(doc.dump(2, ' ', false, Json::error_handler_t::replace)) + "\n";
}

}  // namespace kcpp::check
