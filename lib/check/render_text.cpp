// The human report of `kernels check` (stdout): a header naming what was checked and
// under which policy, then per variant a verdict line, one line per shared object (what it
// needs, which GPU code it carries), the digest and signature status, and every finding
// with its hint; a summary line last. Names, messages and hints quote the kernel's files
// (file names, metadata.json, symbols and libraries of the binaries): every string is
// escaped (log.hpp) where it is put into a line.
#include <fmt/core.h>

#include <algorithm>

#include "check/check.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"

namespace kcpp::check {

namespace {

std::string esc(std::string_view s) { return log::escape_controls(s); }

// Items from a file or a server: each escaped.
std::string join(const std::vector<std::string>& items, std::string_view sep = ", ") {
  return strings::join(items, sep, [](const std::string& i) { return esc(i); });
}

std::string plural(std::size_t n, std::string_view word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); }

// One line per finding; a run of findings that share rule, file and hint (forty symbols
// that all need a newer glibc) prints the hint once, after the run.
void render_findings(std::string& out, const std::vector<Finding>& findings, std::string_view indent) {
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    out += fmt::format("{}{} [{}]", indent, severity_name(f.severity), esc(f.rule));
    if (!f.file.empty()) out += " " + esc(f.file);
    out += ": " + esc(f.message) + "\n";
    const bool run_continues = i + 1 < findings.size() && findings[i + 1].rule == f.rule &&
                               findings[i + 1].file == f.file && findings[i + 1].hint == f.hint;
    if (!f.hint.empty() && !run_continues) out += fmt::format("{}  hint: {}\n", indent, esc(f.hint));
  }
}

void render_library(std::string& out, const LibraryReport& lib) {
  const auto& a = lib.analysis;
  std::vector<std::string> needs;
  for (const auto& [dep, r] : a.required) needs.push_back(r.tag);
  out += fmt::format("  {}: {}", esc(lib.file), esc(a.description));
  if (a.stripped && a.format == abi::ObjectFormat::elf) out += " (stripped)";
  if (!needs.empty()) out += "; needs " + join(needs);
  if (a.macos_minos) out += "; minimum macOS " + esc(*a.macos_minos);
  out += "\n";
  if (!a.needed.empty()) out += "    libraries: " + join(a.needed) + "\n";
  if (!a.gpu.entries.empty()) {
    std::vector<std::string> targets;  // distinct, in file order (--json lists every entry)
    for (const auto& e : a.gpu.entries)
      if (std::find(targets.begin(), targets.end(), e.target()) == targets.end()) targets.push_back(e.target());
    out += "    GPU code: " + join(targets);
    for (const auto& [dev, runs] : lib.gpu_runs)
      out += fmt::format("; GPU {} ({}): {}", dev.index, dev.capability.str(),
                         runs.empty() ? "cannot run" : "runs " + esc(runs));
    out += "\n";
  }
}

}  // namespace

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::error:
      return "error";
    case Severity::warning:
      return "warning";
    case Severity::note:
      return "note";
  }
  return "error";
}

std::string render_text(const CheckReport& r) {
  std::string out;
  const std::string what =
      r.repo_id ? fmt::format("{}, revision {} (commit {})", esc(*r.repo_id), esc(r.revision),
                              esc(r.commit.substr(0, 12)))
                : fmt::format("{} (local)", esc(r.path.value_or(".")));
  out += fmt::format("Checking {}: {} of {}\n", what, plural(r.variants.size(), "variant"), r.variants_available);
  out += fmt::format("Policy: {}, Python ABI {}, macOS {}\n", r.manylinux, r.python_abi.str(), r.macos.str());
  if (r.gpu_probed) {
    if (r.gpu.devices.empty()) out += "GPU: none (" + esc(r.gpu.reason) + ")\n";
    for (const auto& d : r.gpu.devices)
      out += fmt::format("GPU {}: {} (compute capability {})\n", d.index, esc(d.name), d.capability.str());
  }
  for (const auto& v : r.variants) {
    out += "\n" + esc(v.name) + ": ";
    out += v.compliant() ? "✅ compliant" : "⛔ " + plural(v.errors(), "error");
    if (v.warnings()) out += ", " + plural(v.warnings(), "warning");
    out += "\n";
    for (const auto& lib : v.libraries) render_library(out, lib);
    out += v.digest_algorithm
               ? fmt::format("  digest: {} checked ({})", plural(v.digest_files, "file"), esc(*v.digest_algorithm))
               : std::string("  digest: none");
    out += v.signature_bundle ? "; signature: not checked (metadata.json.sigstore present)\n"
                              : "; signature: not checked (unsigned)\n";
    render_findings(out, v.findings, "  ");
  }
  if (!r.findings.empty()) out += "\n";
  render_findings(out, r.findings, "");
  std::size_t compliant = 0;
  for (const auto& v : r.variants) compliant += v.compliant() ? 1 : 0;
  out +=
      fmt::format("\n{}: {} of {} compliant, {}, {}\n", r.compliant() ? "Compliant" : "Not compliant", compliant,
                  plural(r.variants.size(), "variant"), plural(r.errors(), "error"), plural(r.warnings(), "warning"));
  return out;
}

}  // namespace kcpp::check
