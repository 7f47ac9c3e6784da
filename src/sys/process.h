#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <vector>

#include "base/environment.h"

namespace coreflow {

// This process's environment (environ) as a value.
Environment ProcessEnvironment();

// Makes orphaned descendants re-parent to this process so they can be found and reaped.
int BecomeChildSubreaper();  // 0 or errno

// The direct children of this process (tasks and re-parented orphans), from /proc.
std::vector<pid_t> ListChildren();

// This process's own CPU time (user, system) in nanoseconds and the peak RSS of its own address
// space in KiB, children excluded.
struct SelfUsage {
  int64_t user_ns = 0;
  int64_t sys_ns = 0;
  int64_t max_rss_kib = 0;
};
SelfUsage GetSelfUsage();

// Raises the soft RLIMIT_NOFILE to the hard limit (at most 1 << 20). Returns true and the
// original limit when it changed anything.
bool RaiseFileLimit(rlimit* original);

// What a live process group has used: CPU time so far (its processes', and that of the children
// they waited for) and resident memory now, summed from /proc/PID/stat over the group. One scan
// of /proc. False when no process of the group is left.
struct ProcessUsage {
  int64_t user_ns = 0;
  int64_t sys_ns = 0;
  uint64_t rss_bytes = 0;
};
bool ReadGroupUsage(pid_t pgid, ProcessUsage* out);

// pidfd_open(2): a descriptor that becomes readable when `pid` exits. -1 with errno.
int PidfdOpen(pid_t pid);

}  // namespace coreflow
