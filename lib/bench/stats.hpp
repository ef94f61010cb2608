#pragma once
// Summary statistics of per-call timings (milliseconds).
//
//   quantiles  linear interpolation at (n-1)·p between order statistics (numpy's default,
//              and upstream `kernels benchmark`'s Q1/Q3): median = p 0.5, IQR = Q3 - Q1
//   std        population standard deviation (as upstream)
//   outliers   samples outside [Q1 - 1.5 IQR, Q3 + 1.5 IQR] (as upstream)
//   95% CI     of the median, distribution-free: the order statistics x(r) and x(s) with
//              r = floor((n - 1.96 sqrt(n)) / 2), s = ceil(1 + (n + 1.96 sqrt(n)) / 2)
//              (1-based, clamped to [1, n]; Conover, Practical Nonparametric Statistics).
//              GPU timings are skewed (a floor, a tail of preempted runs), so the median and
//              an order-statistic interval describe them better than mean ± 1.96 σ/√n.
#include <cstddef>
#include <utility>
#include <vector>

namespace kcpp::bench {

struct Stats {
  std::size_t n = 0;
  double mean = 0, std = 0;
  double median = 0, q1 = 0, q3 = 0, iqr = 0;
  double min = 0, max = 0;
  double ci_low = 0, ci_high = 0;  // 95% CI of the median
  std::size_t outliers = 0;
};

// Throws std::invalid_argument on an empty sample.
Stats summarize(std::vector<double> samples);

// Quantile P (0..1) of an ascending, non-empty sample.
double quantile_sorted(const std::vector<double>& sorted, double p);

// 1-based ranks (r, s) of the 95% CI of the median for N samples.
std::pair<std::size_t, std::size_t> median_ci_ranks(std::size_t n);

}  // namespace kcpp::bench
