#pragma once

#include <sched.h>

#include <vector>

namespace coreflow {

// A CPU mask for sched_setaffinity, sized for any machine.
class CpuMask {
 public:
  CpuMask();
  explicit CpuMask(const std::vector<int>& cpus);
  ~CpuMask();
  CpuMask(const CpuMask& other);
  CpuMask& operator=(const CpuMask& other);

  std::vector<int> cpus() const;  // kernel numbers, ascending
  bool operator==(const CpuMask& other) const;
  cpu_set_t* get() const { return set_; }
  size_t size() const { return size_; }

 private:
  static constexpr int kMaxCpus = 8192;
  cpu_set_t* set_;
  size_t size_;
};

// The calling thread's mask (what a child started now inherits). 0 or errno.
int GetThreadAffinity(CpuMask* out);
// Sets the calling thread's mask. 0 or errno.
int SetThreadAffinity(const CpuMask& mask);

}  // namespace coreflow
