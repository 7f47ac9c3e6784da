#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/environment.h"
#include "sys/fd.h"

namespace coreflow {

// This process's environment (environ) as a value.
Environment ProcessEnvironment();

// Makes orphaned descendants re-parent to this process so they can be found and reaped.
int BecomeChildSubreaper();  // 0 or errno

// The direct children of this process (tasks and re-parented orphans), from /proc.
std::vector<pid_t> ListChildren();

// The children of the calling thread, read again and again through one open descriptor
// (/proc/self/task/TID/children): one pread per call, for a check after every task. Orphans
// come back to the thread that started their ancestor, so the spawning thread sees them all.
class ChildrenReader {
 public:
  int Open();  // 0 or errno
  // Fills *out; false when it cannot be read (then ListChildren() is the way).
  bool Read(std::vector<pid_t>* out);

 private:
  UniqueFd fd_;
  std::string buffer_;
};

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

// What a live process and its descendants have used: CPU time so far (theirs, and that of the
// children they waited for) and resident memory now, from /proc/PID/stat, following each
// process's children list (of its main thread). False when the process is gone.
struct ProcessUsage {
  int64_t user_ns = 0;
  int64_t sys_ns = 0;
  uint64_t rss_bytes = 0;
};
bool ReadTreeUsage(pid_t pid, ProcessUsage* out);

// This machine's name (for records, never for keys); "" when unknown.
std::string HostName();

// pidfd_open(2): a descriptor that becomes readable when `pid` exits. -1 with errno.
int PidfdOpen(pid_t pid);
// pidfd_send_signal(2): signals the very process the pidfd was opened for. 0 or errno.
int PidfdSignal(int pidfd, int signal);

}  // namespace coreflow
