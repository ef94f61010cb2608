// Text and JSON renderings of `kernels info` (info.hpp). Every value but the counts comes
// from metadata.json, the Hub or the command line: each is escaped (log.hpp) in the text.
#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "info/info.hpp"
#include "core/strings.hpp"

namespace kcpp::info {

namespace {

std::string esc(std::string_view s) { return log::escape_controls(s); }

// Items from a file or a server: each escaped.
std::string join(const std::vector<std::string>& items) {
  return strings::join(items, ", ", [](const std::string& s) { return esc(s); });
}

std::string dash(const std::optional<std::string>& v) { return v ? esc(*v) : "-"; }

}  // namespace

std::string render_text(const KernelInfo& info) {
  std::string out;
  if (info.repo_id) {
    out += fmt::format("Repository: {}\nRevision: {}\n", esc(*info.repo_id), esc(info.revision));
  } else {
    out += fmt::format("Path: {}\n", esc(info.path.value_or("")));
  }
  const auto* m = info.metadata ? &*info.metadata : nullptr;
  out += fmt::format("Name: {}\n", m ? esc(m->name) : "-");
  out += fmt::format("Version: {}\n", m ? std::to_string(m->version) : "-");
  out += fmt::format("Minimum kernels version: {}\n", m ? dash(m->kernels_minver) : "-");
  out += fmt::format("License: {}\n", m ? esc(m->license) : "-");
  out += fmt::format("Upstream: {}\n", m ? dash(m->upstream) : "-");
  out += fmt::format("Source: {}\n", m ? dash(m->source) : "-");
  out += fmt::format("Python dependencies: {}\n", m && !m->python_depends.empty() ? join(m->python_depends) : "-");
  out += fmt::format("Backends: {}\n", join(info.backends));
  return out;
}

std::string render_json(const KernelInfo& info) {
  using json = nlohmann::ordered_json;
  auto opt = [](const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); };
  json doc = json::object();
  if (info.repo_id) {
    doc["repo_id"] = *info.repo_id;
    doc["revision"] = info.revision;
  } else {
    doc["path"] = info.path.value_or("");
  }
  if (const auto& m = info.metadata) {
    doc["name"] = m->name;
    doc["version"] = m->version;
    doc["kernels_minver"] = opt(m->kernels_minver);
    doc["license"] = m->license;
    doc["upstream"] = opt(m->upstream);
    doc["source"] = opt(m->source);
    doc["python_depends"] = m->python_depends;
  }
  doc["backends"] = info.backends;
  // Python's json.dumps(indent=2, ensure_ascii=True); invalid UTF-8 replaced, not thrown.
  return log::escape_json_output(doc.dump(2, ' ', true, json::error_handler_t::replace)) + "\n";
}

}  // namespace kcpp::info
