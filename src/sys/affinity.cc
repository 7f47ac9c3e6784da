#include "sys/affinity.h"

#include <cerrno>
#include <cstring>

namespace coreflow {

CpuMask::CpuMask() : set_(CPU_ALLOC(kMaxCpus)), size_(CPU_ALLOC_SIZE(kMaxCpus)) {
  CPU_ZERO_S(size_, set_);
}

CpuMask::CpuMask(const std::vector<int>& cpus) : CpuMask() {
  for (int cpu : cpus) {
    if (cpu >= 0 && cpu < kMaxCpus) CPU_SET_S(static_cast<size_t>(cpu), size_, set_);
  }
}

CpuMask::~CpuMask() { CPU_FREE(set_); }

CpuMask::CpuMask(const CpuMask& other) : CpuMask() { std::memcpy(set_, other.set_, size_); }

CpuMask& CpuMask::operator=(const CpuMask& other) {
  if (this != &other) std::memcpy(set_, other.set_, size_);
  return *this;
}

bool CpuMask::operator==(const CpuMask& other) const {
  return CPU_EQUAL_S(size_, set_, other.set_);  // every mask has the same size
}

std::vector<int> CpuMask::cpus() const {
  std::vector<int> out;
  for (int cpu = 0; cpu < kMaxCpus; ++cpu) {
    if (CPU_ISSET_S(static_cast<size_t>(cpu), size_, set_)) out.push_back(cpu);
  }
  return out;
}

int GetThreadAffinity(CpuMask* out) {
  return ::sched_getaffinity(0, out->size(), out->get()) == 0 ? 0 : errno;
}

int SetThreadAffinity(const CpuMask& mask) {
  return ::sched_setaffinity(0, mask.size(), mask.get()) == 0 ? 0 : errno;
}

}  // namespace coreflow
