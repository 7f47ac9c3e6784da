#include "schedule/gpu_pool.h"

#include <algorithm>

namespace coreflow {

GpuPool::GpuPool(int devices)
    : free_(static_cast<size_t>(std::clamp(devices, 0, kMaxGpus)), kGpuWhole) {}

bool GpuPool::Fits(int shares) const {
  if (shares <= 0) return true;
  if (shares < kGpuWhole) {
    return std::any_of(free_.begin(), free_.end(), [&](int f) { return f >= shares; });
  }
  auto whole = std::count(free_.begin(), free_.end(), kGpuWhole);
  return whole >= shares / kGpuWhole;
}

uint64_t GpuPool::Take(int shares) {
  if (shares <= 0) return 0;
  if (shares < kGpuWhole) {
    int best = -1;
    for (size_t i = 0; i < free_.size(); ++i) {
      if (free_[i] >= shares && (best < 0 || free_[i] < free_[static_cast<size_t>(best)])) {
        best = static_cast<int>(i);
      }
    }
    if (best < 0) return 0;
    free_[static_cast<size_t>(best)] -= shares;
    return uint64_t{1} << best;
  }
  uint64_t mask = 0;
  int wanted = shares / kGpuWhole;
  for (size_t i = 0; i < free_.size() && wanted > 0; ++i) {
    if (free_[i] != kGpuWhole) continue;
    free_[i] = 0;
    mask |= uint64_t{1} << i;
    --wanted;
  }
  return mask;
}

void GpuPool::Give(uint64_t devices, int shares) {
  int each = std::min(shares, kGpuWhole);
  for (size_t i = 0; i < free_.size(); ++i) {
    if ((devices >> i & 1) != 0) free_[i] = std::min(free_[i] + each, kGpuWhole);
  }
}

bool ValidGpuAsk(int shares, int devices) {
  if (shares <= 0) return shares == 0;
  if (shares < kGpuWhole) return devices > 0;
  return shares % kGpuWhole == 0 && shares / kGpuWhole <= devices;
}

}  // namespace coreflow
