#pragma once

#include <vector>

namespace coreflow {

// 95 % confidence intervals for `coreflow bench` (docs/bench.md).
struct Interval {
  double estimate = 0;
  double low = 0;
  double high = 0;
  bool Covers(double value) const { return low <= value && value <= high; }
  // Half its width, relative to the estimate: 0.02 is "within ±2 %".
  double RelativeHalfWidth() const;
};

// The 97.5th percentile of Student's t with `df` degrees of freedom (df >= 1): the factor of
// a two-sided 95 % interval. Exact to three decimals up to 30, then a Cornish-Fisher series.
double StudentT975(int df);

// The mean of `x` with its t interval; fewer than two values give the mean alone (no width
// is known: low = 0, high = infinity).
Interval MeanInterval(const std::vector<double>& x);

// How many times `b` is `a`, from pairs measured side by side (b[i] and a[i] in the same
// round, so that what moved both, the machine's load, cancels): the t interval of the mean of
// log(b[i] / a[i]), taken back with exp. It is the ratio of geometric means; logs make the
// skew of run times symmetric, and pairing leaves only the noise between neighbours. Pairs
// with a value <= 0 are left out; fewer than two pairs give no width.
Interval PairedRatioInterval(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace coreflow
