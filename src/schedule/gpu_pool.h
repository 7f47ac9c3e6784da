#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace coreflow {

// The GPUs a node has, as the scheduler counts them: each device is kGpuWhole shares, and a
// task asks for a number of shares (kGpuWhole: one device; kGpuWhole / 2: half of one; 2 *
// kGpuWhole: two whole devices). Which devices a task holds is a bit mask over the devices'
// indexes, so a node has at most kMaxGpus of them.
inline constexpr int kGpuWhole = 1000;
inline constexpr int kMaxGpus = 64;

class GpuPool {
 public:
  explicit GpuPool(int devices = 0);

  int devices() const { return static_cast<int>(free_.size()); }
  int free_shares(int device) const { return free_[static_cast<size_t>(device)]; }
  // Whether a task asking `shares` could take devices now. A share of one device (below
  // kGpuWhole) fits where one device has that much free; n whole devices need n untouched ones.
  // Asking nothing always fits.
  bool Fits(int shares) const;
  // Takes what Fits() said was there: a share goes to the device with the least free that
  // holds it (so whole devices stay free for whole asks), whole devices are the lowest free
  // ones. Returns the mask of the devices taken (0 when `shares` is 0).
  uint64_t Take(int shares);
  // Gives back what Take() returned for the same `shares`.
  void Give(uint64_t devices, int shares);

 private:
  std::vector<int> free_;  // shares free on each device
};

// Whether a task can ever ask for `shares` of a pool of `devices`: a share of one device, or
// whole devices, no more than there are.
bool ValidGpuAsk(int shares, int devices);

}  // namespace coreflow
