#include "compare/interval.h"

#include <cmath>
#include <cstddef>
#include <limits>

namespace coreflow {
namespace {

constexpr double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                             2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                             2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};

struct MeanAndError {
  double mean = 0;
  double half = std::numeric_limits<double>::infinity();  // t * standard error
};

MeanAndError OfValues(const std::vector<double>& x) {
  MeanAndError out;
  if (x.empty()) return out;
  double sum = 0;
  for (double v : x) sum += v;
  out.mean = sum / static_cast<double>(x.size());
  if (x.size() < 2) return out;
  double squares = 0;
  for (double v : x) squares += (v - out.mean) * (v - out.mean);
  auto n = static_cast<double>(x.size());
  double sd = std::sqrt(squares / (n - 1));
  out.half = StudentT975(static_cast<int>(x.size()) - 1) * sd / std::sqrt(n);
  return out;
}

}  // namespace

double Interval::RelativeHalfWidth() const {
  if (estimate <= 0 || !std::isfinite(high)) return std::numeric_limits<double>::infinity();
  return (high - low) / 2 / estimate;
}

double StudentT975(int df) {
  if (df < 1) return std::numeric_limits<double>::infinity();
  constexpr size_t kRows = sizeof(kTable) / sizeof(kTable[0]);
  if (static_cast<size_t>(df) <= kRows) return kTable[df - 1];
  const double z = 1.959963985;
  const double v = df;
  double z3 = z * z * z, z5 = z3 * z * z;
  return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v);
}

Interval MeanInterval(const std::vector<double>& x) {
  MeanAndError m = OfValues(x);
  if (!std::isfinite(m.half)) return {m.mean, 0, std::numeric_limits<double>::infinity()};
  return {m.mean, m.mean - m.half, m.mean + m.half};
}

Interval PairedRatioInterval(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> logs;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] > 0 && b[i] > 0) logs.push_back(std::log(b[i] / a[i]));
  }
  MeanAndError m = OfValues(logs);
  double estimate = std::exp(m.mean);
  if (!std::isfinite(m.half)) return {estimate, 0, std::numeric_limits<double>::infinity()};
  return {estimate, std::exp(m.mean - m.half), std::exp(m.mean + m.half)};
}

}  // namespace coreflow
