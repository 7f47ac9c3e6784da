#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace coreflow {

struct Distribution {
  uint64_t count = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;
};

// Percentiles of a stream of non-negative values in bounded memory: exact (nearest rank) up to
// kExactValues values, then a log-scale histogram whose percentiles are within 1 % of the
// true value (DDSketch's idea). Count, mean and max are always exact. A run of ten million
// tasks costs the same few tens of KiB as one of ten thousand.
class QuantileSketch {
 public:
  static constexpr size_t kExactValues = 4096;
  static constexpr double kRelativeError = 0.01;

  void Add(double value);
  Distribution Describe() const;
  uint64_t count() const { return count_; }
  // Memory held, in values and buckets: bounded whatever the count.
  size_t stored() const { return exact_.size() + buckets_.size(); }

 private:
  void MoveToBuckets();
  void AddToBucket(double value);
  double Quantile(double p) const;

  uint64_t count_ = 0;
  double sum_ = 0;
  double max_ = 0;
  double min_ = 0;
  std::vector<double> exact_;  // until kExactValues
  bool bucketed_ = false;
  uint64_t zeros_ = 0;             // values too small for a bucket
  std::vector<uint64_t> buckets_;  // counts by log-scale index, from kMinIndex
};

// Nearest-rank percentile of sorted values (p in 0..100); 0 for none.
double Percentile(const std::vector<double>& sorted, double p);

}  // namespace coreflow
