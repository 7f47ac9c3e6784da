#pragma once

#include "sys/fd.h"

namespace coreflow {

// A descriptor another thread makes readable (an eventfd), so that a thread that waits in
// epoll or poll for its other descriptors also wakes when work arrives from a thread.
class Wakeup {
 public:
  // 0 or errno (EMFILE, ENFILE, ENOMEM).
  int Open();
  // Makes fd() readable; safe from any thread.
  void Signal();
  // Makes fd() unreadable again until the next Signal().
  void Clear();
  int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
};

}  // namespace coreflow
