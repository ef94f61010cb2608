#include "variant/resolve.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/log.hpp"

namespace kcpp::variant {

namespace {

// Python str() of the values that appear in reasons.
std::string py_str(const std::optional<MajorMinor>& v) { return v ? v->str() : "None"; }
std::string py_str(const std::optional<bool>& v) { return v ? (*v ? "True" : "False") : "None"; }

// packaging.Version ordering of release tuples: trailing zeros do not count.
int compare_release(const std::vector<long>& a, const std::vector<long>& b) {
  std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    long x = i < a.size() ? a[i] : 0;
    long y = i < b.size() ? b[i] : 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

const std::vector<long> kMetalMinMacos{26, 0};  // upstream _METAL_MIN_MACOS_VERSION

Decision reject(const Variant& v, std::string reason) { return Decision{v, false, std::move(reason)}; }

// upstream _check_variants for one variant. Upstream first drops every arch variant when
// running on a free-threaded Python < 3.15; we never run Python, so that filter does not
// apply here.
Decision check(const Variant& v, const System& sys, const Backend& selected) {
  if (!v.is_arch()) {
    const std::string& name = v.noarch().backend_name;
    std::string system_name = selected.kind == BackendKind::cann ? "npu" : selected.name();
    if (name != system_name && name != "universal")
      return reject(v, fmt::format("backend ({}) does not match system backend ({}) and is not universal", name,
                                   system_name));
    return Decision{v, true, {}};
  }
  const ArchVariant& a = v.arch();
  if (a.cpu != sys.cpu) return reject(v, fmt::format("CPU ({}) does not match system CPU ({})", a.cpu, sys.cpu));
  if (a.os != sys.os) return reject(v, fmt::format("OS ({}) does not match system OS ({})", a.os, sys.os));
  const std::string fw_version = a.framework_version.str();
  switch (a.framework) {
    case FrameworkKind::torch:
      if (!sys.torch_version || a.framework_version != *sys.torch_version)
        return reject(v, fmt::format("Torch version ({}) does not match environment Torch version ({})", fw_version,
                                     py_str(sys.torch_version)));
      if (a.cxx11_abi && a.cxx11_abi != sys.torch_cxx11_abi)
        return reject(v, fmt::format("Torch CXX11 ABI ({}) does not match environment Torch CXX11 ABI ({})",
                                     py_str(a.cxx11_abi), py_str(sys.torch_cxx11_abi)));
      break;
    case FrameworkKind::torch_stable_abi:
      if (!sys.torch_version || a.framework_version > *sys.torch_version)
        return reject(v, fmt::format("Torch stable ABI version ({}) is too new for environment Torch version ({})",
                                     fw_version, py_str(sys.torch_version)));
      break;
    case FrameworkKind::tvm_ffi:
      if (!sys.tvm_ffi_version || a.framework_version != *sys.tvm_ffi_version)
        return reject(v, fmt::format("tvm-ffi version ({}) does not match environment tvm-ffi version ({})",
                                     fw_version, py_str(sys.tvm_ffi_version)));
      break;
  }
  // A system CUDA x.y accepts CUDA x.z variants with z <= y; anything else must match exactly.
  if (selected.kind == BackendKind::cuda && a.backend.kind == BackendKind::cuda) {
    if (a.backend.version.major != selected.version.major || a.backend.version.minor > selected.version.minor)
      return reject(v, fmt::format("CUDA version ({}) is not compatible with system CUDA version ({})",
                                   a.backend.version.str(), selected.version.str()));
  } else if (a.backend.variant_str() != selected.variant_str()) {
    return reject(v, fmt::format("backend ({}) does not match selected backend ({})", a.backend.variant_str(),
                                 selected.variant_str()));
  } else if (a.backend.kind == BackendKind::metal &&
             (!sys.macos_version || compare_release(*sys.macos_version, kMetalMinMacos) < 0)) {
    return reject(v, fmt::format("Metal kernels require macOS 26.0 or later, system macOS version is {}",
                                 macos_version_str(sys.macos_version)));
  }
  return Decision{v, true, {}};
}

using SortKey = std::array<long, 5>;

// upstream _sort_variants' key.
SortKey sort_key(const Decision& d) {
  long decision = d.accepted ? 0 : 1;
  const Variant& v = d.variant;
  if (!v.is_arch()) return {decision, 2, 0, 0, v.noarch().backend_name == "universal" ? 1 : 0};
  const ArchVariant& a = v.arch();
  long framework = 0, abi_a = 0, abi_b = 0;
  switch (a.framework) {
    case FrameworkKind::torch_stable_abi:
      framework = 0;
      abi_a = -a.framework_version.major;
      abi_b = -a.framework_version.minor;
      break;
    case FrameworkKind::torch:
      framework = 1;
      abi_b = a.cxx11_abi ? 1 : 0;
      break;
    case FrameworkKind::tvm_ffi:
      framework = 2;
      break;
  }
  long backend = a.backend.versioned() ? -a.backend.version.minor : 0;
  return {decision, framework, abi_a, abi_b, backend};
}

}  // namespace

std::vector<Decision> resolve(const std::vector<Variant>& variants, const System& system,
                              const Backend& selected_backend) {
  std::vector<Decision> trace;
  trace.reserve(variants.size());
  for (const auto& v : variants) trace.push_back(check(v, system, selected_backend));
  // Upstream sorts a list built from a set, so equal keys come out in arbitrary order;
  // we order those by name to be deterministic.
  std::vector<std::pair<SortKey, std::string>> keys;
  std::vector<std::size_t> order(trace.size());
  for (std::size_t i = 0; i < trace.size(); ++i) {
    order[i] = i;
    keys.emplace_back(sort_key(trace[i]), trace[i].variant.str());
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return keys[x] < keys[y]; });
  std::vector<Decision> sorted;
  sorted.reserve(trace.size());
  for (std::size_t i : order) sorted.push_back(std::move(trace[i]));
  return sorted;
}

int preferred_index(const std::vector<Decision>& trace) {
  for (std::size_t i = 0; i < trace.size(); ++i)
    if (trace[i].accepted) return static_cast<int>(i);
  return -1;
}

// upstream variants_trace_str: "best" is the head of the (stably) sorted trace if accepted;
// lines follow the order given.
std::string trace_str(const std::vector<Decision>& trace) {
  const Decision* best = nullptr;
  if (!trace.empty()) {
    const Decision* head = &trace[0];
    SortKey head_key = sort_key(*head);
    for (const auto& d : trace) {
      SortKey k = sort_key(d);
      if (k < head_key) {
        head = &d;
        head_key = k;
      }
    }
    if (head->accepted) best = head;
  }
  std::string out;
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const Decision& d = trace[i];
    if (i) out += '\n';
    // Variant names are directory names from the Hub (a noarch name, a cpu or os part can be
    // anything) and reasons quote them: escaped, so each decision stays one harmless line.
    out += log::escape_controls(d.variant.str());
    if (d.accepted) {
      out += (best && d.variant == best->variant) ? " compatible, preferred \u2705" : " compatible \u2705";
    } else {
      out += ": " + log::escape_controls(d.reason);
    }
  }
  return out;
}

}  // namespace kcpp::variant
