#pragma once

#include <sys/types.h>

#include <string>

#include "exec/spawn.h"
#include "sys/fd.h"

namespace coreflow {

// A small process that outlives coreflow to end what coreflow's death would leave running.
// The kernel kills each task's main process with coreflow (PR_SET_PDEATHSIG), but not what
// that process started. The guard waits on a pipe that only coreflow holds; when the pipe
// closes (coreflow exited, or was killed, even by SIGKILL), it ends every process that carries
// the run's tag (sys/process_tag.h) and exits. It is started as `exe __crash-guard RUN_ID`
// with the pipe as its descriptor 3, so it holds none of coreflow's files, pipes or locks.
class CrashGuard {
 public:
  CrashGuard() = default;
  ~CrashGuard() = default;  // closing the pipe lets the guard go (it finds nothing left)
  CrashGuard(const CrashGuard&) = delete;
  CrashGuard& operator=(const CrashGuard&) = delete;

  // Starts the guard for `run_id`. 0 or errno.
  int Start(Spawner* spawner, const std::string& exe, const std::string& run_id, int dev_null);
  pid_t pid() const { return pid_; }

 private:
  UniqueFd pipe_;  // the write end: never written, only held
  pid_t pid_ = 0;
};

// The guard itself (`coreflow __crash-guard RUN_ID`): blocks until descriptor `fd` reaches end
// of file, then ends the run's processes. Returns the exit status.
int RunCrashGuard(int fd, const std::string& run_id);

// The hidden command that starts the guard.
inline constexpr const char* kCrashGuardCommand = "__crash-guard";

}  // namespace coreflow
