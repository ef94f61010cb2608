#include "cache/download_report.hpp"

#include <nlohmann/json.hpp>

#include "core/log.hpp"

namespace kcpp::cache {

std::string error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::failure: return "failure";
    case ErrorKind::usage: return "usage";
    case ErrorKind::io: return "io";
    case ErrorKind::parse: return "parse";
    case ErrorKind::network: return "network";
    case ErrorKind::http: return "http";
    case ErrorKind::unauthorized: return "unauthorized";
    case ErrorKind::forbidden: return "forbidden";
    case ErrorKind::repo_not_found: return "repo_not_found";
    case ErrorKind::revision_not_found: return "revision_not_found";
    case ErrorKind::entry_not_found: return "entry_not_found";
    case ErrorKind::gated: return "gated";
    case ErrorKind::offline: return "offline";
    case ErrorKind::verification: return "verification";
    case ErrorKind::conflict: return "conflict";
    case ErrorKind::precondition_failed: return "precondition_failed";
  }
  return "failure";
}

std::string render_paths(const std::vector<KernelResult>& results) {
  std::string out;
  for (const auto& k : results)
    for (const auto& v : k.variants) out += log::escape_controls(v.path.string()) + "\n";  // a Hub-named variant
  return out;
}

std::string render_json(const std::vector<KernelResult>& results, const std::filesystem::path& cache_root) {
  using json = nlohmann::ordered_json;
  json kernels = json::array();
  bool ok = true;
  for (const auto& k : results) {
    json j;
    j["repo_id"] = k.entry.dependency.repo.text();
    if (k.entry.dependency.is_version())
      j["version"] = k.entry.dependency.major();
    else
      j["revision"] = k.entry.dependency.rev();
    j["commit"] = k.entry.commit;
    switch (k.status) {
      case KernelResult::Status::ok: j["status"] = "ok"; break;
      case KernelResult::Status::no_variant: j["status"] = "no_variant"; break;
      case KernelResult::Status::failed: j["status"] = "failed"; break;
    }
    ok = ok && k.status == KernelResult::Status::ok;
    j["snapshot"] = k.snapshot.string();
    json vs = json::array();
    for (const auto& v : k.variants) {
      vs.push_back({{"name", v.name},
                    {"path", v.path.string()},
                    {"hash", v.hash},
                    {"files", v.files},
                    {"bytes", v.bytes},
                    {"fetched_files", v.fetched},
                    {"reused_files", v.reused},
                    {"transferred_bytes", v.transferred}});
    }
    j["variants"] = vs;
    if (k.status == KernelResult::Status::no_variant) j["message"] = k.message;
    if (k.error)
      j["error"] = {{"kind", error_kind_name(k.error->kind())},
                    {"message", k.error->what()},
                    {"causes", k.error->causes()},
                    {"hints", k.error->hints()}};
    kernels.push_back(std::move(j));
  }
  json root;
  root["cache"] = cache_root.string();
  root["ok"] = ok;
  root["kernels"] = std::move(kernels);
  return log::escape_json_output(root.dump(2, ' ', false, json::error_handler_t::replace)) + "\n";
}

}  // namespace kcpp::cache
