#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "base/ids.h"
#include "sys/process_rss.h"

namespace coreflow {

class SlotCgroups;

// What a memory guard reads of the machine: the resident memory of task process groups,
// MemAvailable, and the OOM kills in a slot's cgroup. An interface so a guard can be tested
// without /proc.
class MemorySampler {
 public:
  virtual ~MemorySampler() = default;
  // Starts (stops) counting process group `pgid` in SampleGroups.
  virtual void Watch(int pgid) = 0;
  virtual void Unwatch(int pgid) = 0;
  // Replaces *rss_by_group with the resident bytes of every watched group that still has a
  // process. False when /proc cannot be read.
  virtual bool SampleGroups(std::unordered_map<int, uint64_t>* rss_by_group) = 0;
  // Memory the kernel can hand out without swapping. False when it cannot be read.
  virtual bool MemAvailable(uint64_t* bytes) = 0;
  // How many times the kernel's OOM killer struck in `slot`'s cgroup so far (0 without one).
  virtual uint64_t OomKills(SlotId slot) = 0;
};

// The machine's own: /proc/PID/stat, <root>/proc/meminfo and the slot cgroups, if any.
class SystemMemorySampler : public MemorySampler {
 public:
  // `adopt` names the group an orphan reparented to coreflow came from (ProcessGroupRss).
  SystemMemorySampler(std::string meminfo_root, ProcessGroupRss::Adopt adopt);
  void SetSlotCgroups(const SlotCgroups* cgroups) { cgroups_ = cgroups; }

  void Watch(int pgid) override;
  void Unwatch(int pgid) override;
  bool SampleGroups(std::unordered_map<int, uint64_t>* rss_by_group) override;
  bool MemAvailable(uint64_t* bytes) override;
  uint64_t OomKills(SlotId slot) override;

 private:
  std::string meminfo_root_;
  ProcessGroupRss::Adopt adopt_;
  std::unique_ptr<ProcessGroupRss> rss_;  // made on the first Watch: most runs never need it
  const SlotCgroups* cgroups_ = nullptr;
};

}  // namespace coreflow
