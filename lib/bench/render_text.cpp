// render_table: the report for a terminal: a header (kernel, GPU, torch, copy bandwidth,
// settings), one row per case, details of every failing case, not-provided/unsupported ops
// once each, and a summary line.
#include <fmt/core.h>

#include <algorithm>
#include <map>

#include "bench/report.hpp"
#include "core/log.hpp"
#include "bench/workloads.hpp"

namespace kcpp::bench {

namespace {

class Table {
 public:
  explicit Table(std::vector<std::string> headers, std::vector<bool> right)
      : headers_(std::move(headers)), right_(std::move(right)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string str() const {
    std::vector<std::size_t> w(headers_.size(), 0);
    auto width = [](const std::string& s) {  // UTF-8 code points ("µ" is two bytes)
      std::size_t n = 0;
      for (unsigned char c : s) n += (c & 0xC0) != 0x80;
      return n;
    };
    for (std::size_t i = 0; i < headers_.size(); ++i) w[i] = width(headers_[i]);
    for (const auto& r : rows_)
      for (std::size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], width(r[i]));
    auto line = [&](const std::vector<std::string>& r) {
      std::string out;
      for (std::size_t i = 0; i < r.size(); ++i) {
        const std::string pad(w[i] - width(r[i]), ' ');
        out += (i ? "  " : "") + (right_[i] ? pad + r[i] : r[i] + (i + 1 < r.size() ? pad : ""));
      }
      while (!out.empty() && out.back() == ' ') out.pop_back();
      return out + "\n";
    };
    std::string out = line(headers_);
    std::size_t total = 0;
    for (std::size_t i = 0; i < w.size(); ++i) total += w[i] + (i ? 2 : 0);
    out += std::string(total, '-') + "\n";
    for (const auto& r : rows_) out += line(r);
    return out;
  }

 private:
  std::vector<std::string> headers_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

std::string us(double ms) {
  const double v = ms * 1e3;
  return v < 100 ? fmt::format("{:.2f}", v) : fmt::format("{:.1f}", v);
}
std::string g3(double v) { return v == 0 ? "0" : fmt::format("{:.3g}", v); }
std::string cuda_ver(int v) { return fmt::format("{}.{}", v / 1000, (v % 1000) / 10); }
std::string workload_cell(const CaseResult& c) {
  const auto shape = shape_str(c.in_shape);
  return c.workload == shape ? shape : c.workload + " " + shape;
}

std::string header(const Report& r) {
  std::string out;
  if (r.kernel) {
    const auto& k = *r.kernel;
    // Names from the Hub and the kernel's metadata: escaped (log.hpp).
    const auto esc = [](std::string_view s) { return log::escape_controls(s); };
    out += fmt::format("Kernel   {}", esc(k.display));
    if (!k.commit.empty()) out += fmt::format(" (commit {})", esc(k.commit.substr(0, 12)));
    out += fmt::format(", variant {}\n", esc(k.variant));
    out += fmt::format("         torch.ops.{} from {}\n", esc(k.ns), esc(k.library));
  } else {
    out += "Kernel   none (--reference-only): the reference kernels of cuda/activation\n";
  }
  if (r.machine) {
    const auto& m = *r.machine;
    out += fmt::format("GPU      {} (sm_{}{}, {} SMs, L2 {} MiB, {:.1f} GiB), CUDA driver {}, runtime {}\n", m.gpu,
                       m.cc_major, m.cc_minor, m.sm_count, m.l2_bytes >> 20,
                       static_cast<double>(m.memory_bytes) / (1ull << 30), cuda_ver(m.driver_version),
                       cuda_ver(m.runtime_version));
    if (!m.torch_version.empty()) out += fmt::format("Torch    {} ({})\n", m.torch_version, m.torch_dir);
    out += fmt::format("Copy     {:.1f} GB/s (cudaMemcpyAsync device to device, {} MiB, read + write)\n", m.copy_gbps,
                       m.copy_bytes >> 20);
  }
  if (r.settings.dry_run)
    out += "Plan     --dry-run: nothing is run\n";
  else
    out +=
        fmt::format("Timing   {} warm-up + {} timed calls per case, CUDA events, inputs uniform in [-6, 6), seed {}\n",
                    r.settings.warmup, r.settings.iterations, r.settings.seed);
  return out + "\n";
}

}  // namespace

std::string render_table(const Report& r) {
  std::string out = header(r);
  const bool eager =
      std::any_of(r.cases.begin(), r.cases.end(), [](const CaseResult& c) { return c.eager.has_value(); });

  if (r.settings.dry_run) {
    Table t({"op", "dtype", "workload", "output", "MiB moved", "status"}, {false, false, false, false, true, false});
    for (const auto& c : r.cases)
      t.add({c.op, std::string(dtype_name(c.dtype)), workload_cell(c), shape_str(c.out_shape),
             fmt::format("{:.2f}", static_cast<double>(c.bytes) / (1 << 20)), std::string(status_name(c.status))});
    out += t.str();
  } else {
    std::vector<std::string> h = {"op", "dtype", "workload", "check"};
    std::vector<bool> right = {false, false, false, false};
    auto add_h = [&](std::initializer_list<const char*> names) {
      for (const char* n : names) h.emplace_back(n), right.push_back(true);
    };
    if (r.kernel) {
      add_h({"max abs", "max rel", "kernel µs", "IQR", "min", "max", "95% CI", "GB/s", "% copy", "ref µs", "ref GB/s",
             "speedup"});
    } else {
      add_h({"ref µs", "IQR", "min", "max", "95% CI", "GB/s", "% copy"});
    }
    if (eager) add_h({"eager µs", "eager GB/s", "ref ÷ eager"});
    Table t(h, right);
    for (const auto& c : r.cases) {
      std::vector<std::string> row = {c.op, std::string(dtype_name(c.dtype)), workload_cell(c),
                                      std::string(status_name(c.status))};
      auto timing_cells = [&](const std::optional<Timing>& tm) {
        if (!tm) {
          for (int i = 0; i < 7; ++i) row.emplace_back("");
          return;
        }
        const auto& s = tm->stats;
        row.push_back(us(s.median));
        row.push_back(us(s.iqr));
        row.push_back(us(s.min));
        row.push_back(us(s.max));
        row.push_back(us(s.ci_low) + "–" + us(s.ci_high));
        row.push_back(fmt::format("{:.1f}", tm->gbps));
        row.push_back(fmt::format("{:.1f}%", tm->pct_of_copy));
      };
      if (r.kernel) {
        row.push_back(c.verification ? g3(c.verification->max_abs) : "");
        row.push_back(c.verification ? g3(c.verification->max_rel) : "");
        timing_cells(c.kernel);
        row.push_back(c.reference ? us(c.reference->stats.median) : "");
        row.push_back(c.reference ? fmt::format("{:.1f}", c.reference->gbps) : "");
        auto sp = c.speedup();
        row.push_back(sp ? fmt::format("{:.2f}x", *sp) : "");
      } else {
        timing_cells(c.reference);
      }
      if (eager) {
        row.push_back(c.eager ? us(c.eager->stats.median) : "");
        row.push_back(c.eager ? fmt::format("{:.1f}", c.eager->gbps) : "");
        row.push_back(c.eager && c.reference && c.reference->stats.median > 0
                          ? fmt::format("{:.2f}x", c.eager->stats.median / c.reference->stats.median)
                          : "");
      }
      t.add(std::move(row));
    }
    out += t.str();
  }

  // Details: every failing case; each op that is not provided or unsupported once.
  std::string details;
  std::map<std::string, std::string> once;
  for (const auto& c : r.cases) {
    const std::string id = fmt::format("{} {} {}", c.op, dtype_name(c.dtype), c.workload);
    if (c.status == CaseStatus::fail && c.verification) {
      const auto& v = *c.verification;
      details += fmt::format(
          "FAIL {}: {} of {} elements outside tolerance (rtol {:g}, atol {:g}), {} non-finite; "
          "max abs error {}, max rel error {}",
          id, v.mismatches, v.elements, v.tol.rtol, v.tol.atol, v.nonfinite, g3(v.max_abs), g3(v.max_rel));
      if (v.first)
        details += fmt::format("; first at row {}, col {}: x={:.6g}{}, got {:.8g}, expected {:.8g}", v.first->row,
                               v.first->col, v.first->x,
                               c.out_shape == c.in_shape ? "" : fmt::format(", y={:.6g}", v.first->y), v.first->got,
                               v.first->expected);
      details += "\n";
    } else if (c.status == CaseStatus::fail && c.eager_verification) {
      details += fmt::format("FAIL {}: torch eager differs from the reference: {} mismatches, max abs error {}\n", id,
                             c.eager_verification->mismatches, g3(c.eager_verification->max_abs));
    } else if (c.status == CaseStatus::error) {
      details += fmt::format("ERROR {}: {}\n", id, log::escape_controls(c.message));
    } else if ((c.status == CaseStatus::not_provided || c.status == CaseStatus::unsupported) && !once.count(c.op)) {
      once[c.op] = fmt::format("{} {}: {}\n", status_name(c.status), c.op, log::escape_controls(c.message));
    }
  }
  for (const auto& [op, line] : once) details += line;
  if (!details.empty()) out += "\n" + details;

  const auto n = r.counts();
  std::string summary = fmt::format("\n{} case{}:", r.cases.size(), r.cases.size() == 1 ? "" : "s");
  std::vector<std::string> parts;
  if (r.settings.dry_run) parts.push_back(fmt::format("{} planned", n.planned));
  if (n.timed) parts.push_back(fmt::format("{} timed", n.timed));
  if (!r.settings.dry_run && r.kernel) parts.push_back(fmt::format("{} passed", n.pass));
  if (n.fail || (!r.settings.dry_run && r.kernel)) parts.push_back(fmt::format("{} failed", n.fail));
  if (r.kernel) parts.push_back(fmt::format("{} not provided", n.not_provided));
  if (n.unsupported) parts.push_back(fmt::format("{} unsupported", n.unsupported));
  if (n.error) parts.push_back(fmt::format("{} errors", n.error));
  for (std::size_t i = 0; i < parts.size(); ++i) summary += (i ? ", " : " ") + parts[i];
  out += summary + "\n";
  std::vector<double> sp;
  for (const auto& c : r.cases)
    if (auto s = c.speedup()) sp.push_back(*s);
  if (!sp.empty()) {
    std::sort(sp.begin(), sp.end());
    out += fmt::format("Speedup of the kernel over the reference kernels: median {:.2f}x (min {:.2f}x, max {:.2f}x)\n",
                       sp[sp.size() / 2], sp.front(), sp.back());
  }
  return out;
}

}  // namespace kcpp::bench
