#pragma once

#include <sys/types.h>

#include <vector>

#include "base/environment.h"

namespace coreflow {

// This process's environment (environ) as a value.
Environment ProcessEnvironment();

// Makes orphaned descendants re-parent to this process so they can be found and reaped.
int BecomeChildSubreaper();  // 0 or errno

// The direct children of this process (tasks and re-parented orphans), from /proc.
std::vector<pid_t> ListChildren();

// pidfd_open(2): a descriptor that becomes readable when `pid` exits. -1 with errno.
int PidfdOpen(pid_t pid);

}  // namespace coreflow
