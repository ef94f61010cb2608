#include "bench/report.hpp"

namespace kcpp::bench {

std::string_view status_name(CaseStatus s) {
  switch (s) {
    case CaseStatus::pass:
      return "pass";
    case CaseStatus::fail:
      return "FAIL";
    case CaseStatus::not_provided:
      return "not provided";
    case CaseStatus::unsupported:
      return "unsupported";
    case CaseStatus::error:
      return "ERROR";
    case CaseStatus::planned:
      return "planned";
    case CaseStatus::timed:
      return "timed";
  }
  return "?";
}

Tolerance tolerance_for(DType dt) {
  if (dt == DType::f32) return {1e-5, 1e-6};
  return {1e-2, 1e-2};
}

std::optional<double> CaseResult::speedup() const {
  if (!kernel || !reference || kernel->stats.median <= 0) return std::nullopt;
  return reference->stats.median / kernel->stats.median;
}

Report::Counts Report::counts() const {
  Counts c;
  for (const auto& r : cases) {
    switch (r.status) {
      case CaseStatus::pass:
        ++c.pass;
        break;
      case CaseStatus::fail:
        ++c.fail;
        break;
      case CaseStatus::not_provided:
        ++c.not_provided;
        break;
      case CaseStatus::unsupported:
        ++c.unsupported;
        break;
      case CaseStatus::error:
        ++c.error;
        break;
      case CaseStatus::planned:
        ++c.planned;
        break;
      case CaseStatus::timed:
        ++c.timed;
        break;
    }
  }
  return c;
}

bool Report::ok() const {
  const auto c = counts();
  if (c.fail || c.error) return false;
  if (kernel && !settings.dry_run && c.pass == 0) return false;  // nothing the kernel provides was validated
  if (kernel && settings.dry_run && c.planned == 0) return false;
  return true;
}

}  // namespace kcpp::bench
