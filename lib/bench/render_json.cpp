// render_json: the report as JSON (2-space indent, keys in a fixed order, trailing newline).
#include <cmath>
#include <nlohmann/json.hpp>

#include "bench/report.hpp"
#include "core/log.hpp"

namespace kcpp::bench {

namespace {

using ordered_json = nlohmann::ordered_json;

// NaN/Inf are not JSON: null.
ordered_json num(double v) { return std::isfinite(v) ? ordered_json(v) : ordered_json(nullptr); }

ordered_json stats_json(const Stats& s) {
  ordered_json j;
  j["iterations"] = s.n;
  j["median_ms"] = num(s.median);
  j["q1_ms"] = num(s.q1);
  j["q3_ms"] = num(s.q3);
  j["iqr_ms"] = num(s.iqr);
  j["min_ms"] = num(s.min);
  j["max_ms"] = num(s.max);
  j["mean_ms"] = num(s.mean);
  j["std_ms"] = num(s.std);
  j["ci95_low_ms"] = num(s.ci_low);
  j["ci95_high_ms"] = num(s.ci_high);
  j["outliers"] = s.outliers;
  return j;
}

ordered_json timing_json(const Timing& t) {
  ordered_json j = stats_json(t.stats);
  j["gbps"] = num(t.gbps);
  j["pct_of_copy"] = num(t.pct_of_copy);
  return j;
}

ordered_json verification_json(const Verification& v) {
  ordered_json j;
  j["elements"] = v.elements;
  j["mismatches"] = v.mismatches;
  j["nonfinite"] = v.nonfinite;
  j["max_abs_error"] = num(v.max_abs);
  j["max_rel_error"] = num(v.max_rel);
  j["worst_vs_tolerance"] = num(v.worst);
  j["rtol"] = v.tol.rtol;
  j["atol"] = v.tol.atol;
  if (v.first) {
    ordered_json m;
    m["index"] = v.first->index;
    m["row"] = v.first->row;
    m["col"] = v.first->col;
    m["x"] = num(v.first->x);
    m["y"] = num(v.first->y);
    m["got"] = num(v.first->got);
    m["expected"] = num(v.first->expected);
    j["first_mismatch"] = m;
  } else {
    j["first_mismatch"] = nullptr;
  }
  return j;
}

}  // namespace

std::string render_json(const Report& r) {
  ordered_json j;
  if (r.kernel) {
    const auto& k = *r.kernel;
    ordered_json kj;
    kj["display"] = k.display;
    kj["repo_id"] = k.repo_id.empty() ? ordered_json(nullptr) : ordered_json(k.repo_id);
    kj["revision"] = k.revision.empty() ? ordered_json(nullptr) : ordered_json(k.revision);
    kj["commit"] = k.commit.empty() ? ordered_json(nullptr) : ordered_json(k.commit);
    kj["variant"] = k.variant;
    kj["path"] = k.path;
    kj["namespace"] = k.ns;
    kj["library"] = k.library;
    j["kernel"] = kj;
  } else {
    j["kernel"] = nullptr;
  }
  if (r.machine) {
    const auto& m = *r.machine;
    ordered_json mj;
    mj["gpu"] = m.gpu;
    mj["compute_capability"] = std::to_string(m.cc_major) + "." + std::to_string(m.cc_minor);
    mj["sm_count"] = m.sm_count;
    mj["l2_bytes"] = m.l2_bytes;
    mj["memory_bytes"] = m.memory_bytes;
    mj["cuda_driver"] = std::to_string(m.driver_version / 1000) + "." + std::to_string((m.driver_version % 1000) / 10);
    mj["cuda_runtime"] =
        std::to_string(m.runtime_version / 1000) + "." + std::to_string((m.runtime_version % 1000) / 10);
    mj["torch"] = m.torch_version.empty() ? ordered_json(nullptr) : ordered_json(m.torch_version);
    mj["torch_dir"] = m.torch_dir.empty() ? ordered_json(nullptr) : ordered_json(m.torch_dir);
    ordered_json cj;
    cj["bytes"] = m.copy_bytes;
    cj["gbps"] = num(m.copy_gbps);
    if (m.copy) cj["timing"] = stats_json(*m.copy);
    mj["device_copy"] = cj;
    j["machine"] = mj;
  } else {
    j["machine"] = nullptr;
  }
  ordered_json sj;
  sj["warmup"] = r.settings.warmup;
  sj["iterations"] = r.settings.iterations;
  sj["seed"] = r.settings.seed;
  sj["dry_run"] = r.settings.dry_run;
  sj["reference_only"] = r.settings.reference_only;
  sj["torch_eager"] = r.settings.torch_eager;
  sj["timing"] = "CUDA events around each call, rotating buffer sets >= 4x L2";
  ordered_json tol;
  for (DType dt : kAllDTypes) {
    const auto t = tolerance_for(dt);
    tol[std::string(dtype_name(dt))] = {{"rtol", t.rtol}, {"atol", t.atol}};
  }
  sj["tolerance"] = tol;
  j["settings"] = sj;

  ordered_json results = ordered_json::array();
  for (const auto& c : r.cases) {
    ordered_json cj;
    cj["op"] = c.op;
    cj["dtype"] = std::string(dtype_name(c.dtype));
    cj["workload"] = c.workload;
    cj["input_shape"] = c.in_shape;
    cj["output_shape"] = c.out_shape;
    cj["bytes"] = c.bytes;
    cj["buffer_sets"] = c.buffer_sets;
    cj["status"] = c.status == CaseStatus::not_provided ? "not_provided"
                   : c.status == CaseStatus::fail       ? "fail"
                   : c.status == CaseStatus::error      ? "error"
                                                        : std::string(status_name(c.status));
    cj["message"] = c.message.empty() ? ordered_json(nullptr) : ordered_json(c.message);
    cj["verification"] = c.verification ? verification_json(*c.verification) : ordered_json(nullptr);
    cj["kernel"] = c.kernel ? timing_json(*c.kernel) : ordered_json(nullptr);
    cj["reference"] = c.reference ? timing_json(*c.reference) : ordered_json(nullptr);
    if (c.eager || c.eager_verification) {
      ordered_json ej = c.eager ? timing_json(*c.eager) : ordered_json::object();
      ej["verification"] = c.eager_verification ? verification_json(*c.eager_verification) : ordered_json(nullptr);
      cj["torch_eager"] = ej;
    }
    auto sp = c.speedup();
    cj["speedup_vs_reference"] = sp ? num(*sp) : ordered_json(nullptr);
    results.push_back(cj);
  }
  j["results"] = results;
  const auto n = r.counts();
  j["summary"] = {{"cases", r.cases.size()},
                  {"pass", n.pass},
                  {"fail", n.fail},
                  {"not_provided", n.not_provided},
                  {"unsupported", n.unsupported},
                  {"error", n.error},
                  {"planned", n.planned},
                  {"timed", n.timed},
                  {"ok", r.ok()}};
  return log::escape_json_output(j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)) + "\n";
}

}  // namespace kcpp::bench
