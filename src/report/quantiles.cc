#include "report/quantiles.h"

#include <algorithm>
#include <cmath>

namespace coreflow {
namespace {

// Bucket i holds (gamma^(i-1), gamma^i]; every value in it is within kRelativeError of the
// bucket's representative 2 gamma^i / (gamma + 1).
const double kGamma = (1 + QuantileSketch::kRelativeError) / (1 - QuantileSketch::kRelativeError);
const double kLogGamma = std::log(kGamma);
// Values below 1e-9 (nanoseconds, bytes below one) count as zero; the index range covers up to
// 1e18, beyond any run time or memory size.
constexpr double kSmallest = 1e-9;
const int kMinIndex = static_cast<int>(std::floor(std::log(kSmallest) / kLogGamma));
const int kMaxIndex = static_cast<int>(std::ceil(std::log(1e18) / kLogGamma));

int BucketIndex(double v) {
  int i = static_cast<int>(std::ceil(std::log(v) / kLogGamma));
  return std::clamp(i, kMinIndex, kMaxIndex);
}

double BucketValue(int i) { return 2 * std::pow(kGamma, i) / (kGamma + 1); }

}  // namespace

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest value with at least p % of the values at or below it.
  double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
  size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

void QuantileSketch::Add(double value) {
  if (!(value >= 0)) value = 0;  // NaN and negatives are not sizes or times
  min_ = count_ == 0 ? value : std::min(min_, value);
  max_ = count_ == 0 ? value : std::max(max_, value);
  ++count_;
  sum_ += value;
  if (bucketed_) {
    AddToBucket(value);
    return;
  }
  exact_.push_back(value);
  if (exact_.size() > kExactValues) MoveToBuckets();
}

void QuantileSketch::MoveToBuckets() {
  bucketed_ = true;
  buckets_.assign(static_cast<size_t>(kMaxIndex - kMinIndex + 1), 0);
  for (double v : exact_) AddToBucket(v);
  exact_.clear();
  exact_.shrink_to_fit();
}

void QuantileSketch::AddToBucket(double value) {
  if (value < kSmallest) {
    ++zeros_;
    return;
  }
  ++buckets_[static_cast<size_t>(BucketIndex(value) - kMinIndex)];
}

double QuantileSketch::Quantile(double p) const {
  double rank = std::ceil(p / 100.0 * static_cast<double>(count_));
  uint64_t want = rank < 1 ? 1 : static_cast<uint64_t>(rank);
  uint64_t seen = zeros_;
  if (seen >= want) return 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= want) {
      return std::clamp(BucketValue(static_cast<int>(i) + kMinIndex), min_, max_);
    }
  }
  return max_;
}

Distribution QuantileSketch::Describe() const {
  Distribution d;
  d.count = count_;
  if (count_ == 0) return d;
  d.mean = sum_ / static_cast<double>(count_);
  d.max = max_;
  if (!bucketed_) {
    std::vector<double> sorted = exact_;
    std::sort(sorted.begin(), sorted.end());
    d.p50 = Percentile(sorted, 50);
    d.p90 = Percentile(sorted, 90);
    d.p99 = Percentile(sorted, 99);
    return d;
  }
  d.p50 = Quantile(50);
  d.p90 = Quantile(90);
  d.p99 = Quantile(99);
  return d;
}

}  // namespace coreflow
