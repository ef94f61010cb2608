#include "bench/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace kcpp::bench {

double quantile_sorted(const std::vector<double>& sorted, double p) {
  const double pos = static_cast<double>(sorted.size() - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

std::pair<std::size_t, std::size_t> median_ci_ranks(std::size_t n) {
  const double z = 1.959963984540054;
  const double nn = static_cast<double>(n);
  const double half = z * std::sqrt(nn);
  auto r = static_cast<long long>(std::floor((nn - half) / 2.0));
  auto s = static_cast<long long>(std::ceil(1.0 + (nn + half) / 2.0));
  r = std::clamp<long long>(r, 1, static_cast<long long>(n));
  s = std::clamp<long long>(s, 1, static_cast<long long>(n));
  return {static_cast<std::size_t>(r), static_cast<std::size_t>(s)};
}

Stats summarize(std::vector<double> v) {
  if (v.empty()) throw std::invalid_argument("summarize: no samples");
  std::sort(v.begin(), v.end());
  Stats s;
  s.n = v.size();
  s.min = v.front();
  s.max = v.back();
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(s.n);
  double var = 0;
  for (double x : v) var += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(var / static_cast<double>(s.n));
  s.median = quantile_sorted(v, 0.5);
  s.q1 = quantile_sorted(v, 0.25);
  s.q3 = quantile_sorted(v, 0.75);
  s.iqr = s.q3 - s.q1;
  const double lo = s.q1 - 1.5 * s.iqr, hi = s.q3 + 1.5 * s.iqr;
  for (double x : v)
    if (x < lo || x > hi) ++s.outliers;
  auto [r, t] = median_ci_ranks(s.n);
  s.ci_low = v[r - 1];
  s.ci_high = v[t - 1];
  return s;
}

}  // namespace kcpp::bench
