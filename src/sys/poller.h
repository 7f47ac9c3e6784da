#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <vector>

#include "base/time.h"
#include "sys/fd.h"

namespace coreflow {

// One epoll instance: descriptors are registered with a 64-bit token that comes back with
// their readiness, so a stale event for a closed descriptor can be recognised and dropped.
class Poller {
 public:
  // Returns 0 or errno (EMFILE, ENOMEM).
  int Init();
  int Add(int fd, uint32_t events, uint64_t token);
  int Modify(int fd, uint32_t events, uint64_t token);
  void Remove(int fd);

  // Waits until a descriptor is ready; timeout_ms < 0 waits forever. Returns the number of
  // ready events in `out` (0 on EINTR or timeout) or -errno.
  int Wait(std::vector<epoll_event>* out, int timeout_ms);

 private:
  UniqueFd epoll_;
};

// A CLOCK_MONOTONIC timerfd armed at absolute deadlines.
class DeadlineTimer {
 public:
  int Init();  // 0 or errno
  int fd() const { return fd_.get(); }
  void ArmAt(Nanos deadline);  // deadline <= 0 disarms
  void Acknowledge();          // consumes the expiration count after it fired

 private:
  UniqueFd fd_;
};

}  // namespace coreflow
