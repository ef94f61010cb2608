// Renderers of a VersionsReport: upstream's text, the compact one-liner, JSON. Variant names
// come from the Hub: escaped (log.hpp) in the text forms, JSON-escaped in JSON.
#include <fmt/core.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "versions/versions.hpp"

namespace kcpp::versions {

std::string render_text(const VersionsReport& report) {
  if (report.versions.empty()) return fmt::format("Repository does not support kernel versions: {}\n", report.repo.str());
  std::string out;
  for (const auto& v : report.versions)
    out += fmt::format("Version {}:\n\n{}\n", v.version.number, variant::trace_str(v.trace));
  return out;
}

std::string render_compact(const VersionsReport& report) {
  if (report.versions.empty()) return fmt::format("Repository does not support kernel versions: {}\n", report.repo.str());
  std::string out;
  for (const auto& v : report.versions) {
    int best = variant::preferred_index(v.trace);
    std::string preferred = best >= 0 ? log::escape_controls(v.trace[static_cast<std::size_t>(best)].variant.str()) : "";
    std::vector<std::string> names;
    for (const auto& d : v.trace) names.push_back(log::escape_controls(d.variant.str()));
    std::sort(names.begin(), names.end());
    std::string line;
    for (const auto& n : names) {
      if (!line.empty()) line += ", ";
      line += n;
      if (n == preferred) line += " ✅";
    }
    out += fmt::format("Version {}: {}\n", v.version.number, line);
  }
  return out;
}

std::string render_json(const VersionsReport& report, const variant::System& system, const variant::Backend& selected) {
  using json = nlohmann::ordered_json;
  auto opt = [](const auto& o) -> json { return o ? json(*o) : json(nullptr); };
  json sys = {
      {"cpu", system.cpu},
      {"os", system.os},
      {"torch", opt(system.torch_version_full)},
      {"torch_version", system.torch_version ? json(system.torch_version->str()) : json(nullptr)},
      {"cxx11_abi", opt(system.torch_cxx11_abi)},
      {"tvm_ffi", opt(system.tvm_ffi_version_full)},
      {"backend", system.backend.variant_str()},
      {"sources", system.sources},
  };
  json versions = json::array();
  for (const auto& v : report.versions) {
    int best = variant::preferred_index(v.trace);
    json variants = json::array();
    for (std::size_t i = 0; i < v.trace.size(); ++i) {
      const auto& d = v.trace[i];
      json item = {{"name", d.variant.str()}, {"compatible", d.accepted}, {"preferred", static_cast<int>(i) == best}};
      if (!d.accepted) item["reason"] = d.reason;
      variants.push_back(std::move(item));
    }
    json invalid = json::array();
    for (const auto& [name, error] : v.invalid_variants) invalid.push_back({{"name", name}, {"error", error}});
    versions.push_back({{"version", v.version.number},
                        {"ref", v.version.ref.ref},
                        {"commit", v.version.ref.target_commit},
                        {"preferred", best >= 0 ? json(v.trace[static_cast<std::size_t>(best)].variant.str()) : json(nullptr)},
                        {"variants", std::move(variants)},
                        {"invalid_variants", std::move(invalid)}});
  }
  json out = {{"repo_id", report.repo.str()},
              {"system", std::move(sys)},
              {"selected_backend", selected.variant_str()},
              {"versions", std::move(versions)}};
  return log::escape_json_output(out.dump(2, ' ', false, json::error_handler_t::replace)) + "\n";
}

}  // namespace kcpp::versions
