#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>

#include "bench/stats.hpp"

using namespace kcpp::bench;

TEST_CASE("stats of a known sample: numpy's linear quantiles, population std, outliers", "[bench]") {
  // numpy: np.median, np.percentile(x, [25, 75]) (linear), np.std (ddof 0).
  const Stats s = summarize({5.0, 1.0, 3.0, 2.0, 4.0, 100.0});
  CHECK(s.n == 6);
  CHECK(s.min == 1.0);
  CHECK(s.max == 100.0);
  CHECK(s.median == Approx(3.5));
  CHECK(s.q1 == Approx(2.25));
  CHECK(s.q3 == Approx(4.75));
  CHECK(s.iqr == Approx(2.5));
  CHECK(s.mean == Approx(115.0 / 6));
  CHECK(s.std == Approx(36.1728105));  // np.std([5, 1, 3, 2, 4, 100])
  CHECK(s.outliers == 1);              // 100 > 4.75 + 1.5 * 2.5
}

TEST_CASE("median of odd and even samples, one sample", "[bench]") {
  CHECK(summarize({3, 1, 2}).median == 2);
  CHECK(summarize({4, 1, 3, 2}).median == Approx(2.5));
  const Stats one = summarize({7});
  CHECK(one.median == 7);
  CHECK(one.iqr == 0);
  CHECK(one.ci_low == 7);
  CHECK(one.ci_high == 7);
  CHECK(one.std == 0);
  CHECK_THROWS(summarize({}));
}

TEST_CASE("95% CI of the median from order statistics", "[bench]") {
  // n = 100: r = floor((100 - 19.6) / 2) = 40, s = ceil(1 + (100 + 19.6) / 2) = 61.
  CHECK(median_ci_ranks(100) == std::pair<std::size_t, std::size_t>{40, 61});
  // n = 20: r = floor((20 - 8.765) / 2) = 5, s = ceil(1 + 14.38) = 16 (Conover's table: 6..15 at 95.9%
  // for the inclusive form; this one is the conservative normal approximation).
  CHECK(median_ci_ranks(20) == std::pair<std::size_t, std::size_t>{5, 16});
  // Tiny samples clamp to [min, max].
  CHECK(median_ci_ranks(1) == std::pair<std::size_t, std::size_t>{1, 1});
  CHECK(median_ci_ranks(3) == std::pair<std::size_t, std::size_t>{1, 3});

  std::vector<double> v(100);
  std::iota(v.begin(), v.end(), 1.0);  // 1..100
  std::reverse(v.begin(), v.end());
  const Stats s = summarize(v);
  CHECK(s.median == Approx(50.5));
  CHECK(s.ci_low == 40.0);
  CHECK(s.ci_high == 61.0);
  CHECK(s.q1 == Approx(25.75));
  CHECK(s.q3 == Approx(75.25));
  CHECK(s.outliers == 0);
}
