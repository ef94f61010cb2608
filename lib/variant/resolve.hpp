#pragma once
// Accept/reject every variant for a system with upstream's reasons, sorted in upstream's
// preference order (kernels/variants.py _check_variants + _sort_variants). Upstream breaks
// ties by (arbitrary) set order; we break them by variant name, so output is deterministic.
#include <string>
#include <vector>

#include "variant/system.hpp"
#include "variant/variant.hpp"

namespace kcpp::variant {

struct Decision {
  Variant variant;
  bool accepted = false;
  std::string reason;  // empty when accepted
};

// The sorted decision trace: accepted first, preferred variant (if any) at index 0.
std::vector<Decision> resolve(const std::vector<Variant>& variants, const System& system,
                              const Backend& selected_backend);

// Index of the preferred variant in a sorted trace, or -1 when none is accepted.
int preferred_index(const std::vector<Decision>& trace);

// upstream variants_trace_str: one line per decision joined by "\n", no trailing newline:
//   "<v> compatible, preferred ✅" | "<v> compatible ✅" | "<v>: <reason>"
// (variant names and reasons passed through log::escape_controls).
std::string trace_str(const std::vector<Decision>& trace);

}  // namespace kcpp::variant
