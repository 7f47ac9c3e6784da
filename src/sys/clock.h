#pragma once

#include "base/time.h"

namespace coreflow {

// CLOCK_MONOTONIC in nanoseconds: for durations, deadlines and timers.
Nanos MonotonicNow();

// CLOCK_REALTIME in nanoseconds since the epoch: for wall-clock stamps in logs only.
Nanos RealtimeNow();

}  // namespace coreflow
