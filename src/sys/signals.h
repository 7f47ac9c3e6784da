#pragma once

#include <signal.h>

#include "sys/fd.h"

namespace coreflow {

// Routes SIGINT, SIGTERM and SIGHUP to a signalfd instead of handlers, and ignores SIGPIPE so a
// closed stdout is an EPIPE error rather than a silent death. Restores everything on Restore().
class TerminationSignals {
 public:
  int Install();  // 0 or errno
  void Restore();
  int fd() const { return fd_.get(); }
  // Reads one pending signal number, or 0 when none is pending.
  int ReadSignal();
  ~TerminationSignals() { Restore(); }

 private:
  UniqueFd fd_;
  sigset_t old_mask_{};
  struct sigaction old_pipe_ {};
  bool installed_ = false;
};

// The signals whose disposition a child must get back to default (they are blocked or ignored
// here); used to build posix_spawn attributes.
sigset_t SignalsToResetInChild();

}  // namespace coreflow
