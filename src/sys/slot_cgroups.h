#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sys/fd.h"

namespace coreflow {

// One child cgroup per slot with a hard memory limit, so the kernel holds each task to
// --mem-per-task at once instead of a watchdog noticing a quarter of a second later.
//
// cgroup v1 (memory hierarchy): `<own>/coreflow.<pid>/slot-N` with memory.limit_in_bytes
// (and memsw, so swap cannot hide the excess). cgroup v2: only in a cgroup that holds coreflow
// alone (a delegated scope): coreflow moves itself to `<own>/coreflow.<pid>/supervisor`,
// since v2 forbids processes beside child cgroups that limit memory, and tasks go to
// `<own>/coreflow.<pid>/slot-N` with memory.max, memory.swap.max = 0 and memory.oom.group.
// A task joins its slot's cgroup in the child before exec, by writing 0 to cgroup.procs.
class SlotCgroups {
 public:
  // `root` prefixes /proc and /sys (tests fake them). Null with *why when this system does not
  // allow it (no memory controller, no permission, v2 without delegation).
  static std::unique_ptr<SlotCgroups> Create(const std::string& root, int slots, uint64_t limit,
                                             std::string* why);
  ~SlotCgroups();  // ends processes left in the slots and removes what Create made
  SlotCgroups(const SlotCgroups&) = delete;
  SlotCgroups& operator=(const SlotCgroups&) = delete;

  // A descriptor open for writing the slot's cgroup.procs (1-based slot), for the child; -1
  // for a slot without a cgroup (see Grow).
  int ProcsFd(int slot) const;
  // How many times the kernel's OOM killer has struck in the slot so far.
  uint64_t OomKills(int slot) const;
  // Slots 1..slot_count() have a cgroup with the limit.
  int slot_count() const;
  // Makes cgroups up to slot `slots` (a reshape that grows the run). 0 or errno; on an error
  // the slots made so far stay usable.
  int Grow(int slots);
  const std::string& path() const { return base_; }
  bool v2() const { return v2_; }

 private:
  struct Slot {
    std::string dir;
    UniqueFd procs;
  };
  SlotCgroups() = default;
  int AddSlot(int n, uint64_t limit);  // 0 or errno
  void MoveSelfBack();

  std::string base_;  // <own>/coreflow.<pid>
  std::string own_;   // the cgroup coreflow started in
  bool v2_ = false;
  bool enabled_memory_ = false;  // v2: we wrote +memory to own's subtree_control
  bool moved_self_ = false;      // v2: coreflow lives in base_/supervisor
  std::vector<Slot> slots_;      // the last may be half made when AddSlot failed: no procs fd
  uint64_t limit_ = 0;
};

// Reads "key value" lines (memory.events, memory.oom_control) for `key`; 0 when absent.
uint64_t ReadKeyedCounter(const std::string& path, const std::string& key);

}  // namespace coreflow
