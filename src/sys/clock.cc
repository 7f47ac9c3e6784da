#include "sys/clock.h"

#include <time.h>

namespace coreflow {
namespace {

Nanos Read(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);  // cannot fail for these clocks
  return static_cast<Nanos>(ts.tv_sec) * kNanosPerSecond + ts.tv_nsec;
}

}  // namespace

Nanos MonotonicNow() { return Read(CLOCK_MONOTONIC); }
Nanos RealtimeNow() { return Read(CLOCK_REALTIME); }

}  // namespace coreflow
