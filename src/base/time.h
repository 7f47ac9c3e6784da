#pragma once

#include <cstdint>

namespace coreflow {

// Monotonic nanoseconds. The scheduler only ever sees time as a value of this type.
using Nanos = int64_t;

inline constexpr Nanos kNanosPerMilli = 1'000'000;
inline constexpr Nanos kNanosPerSecond = 1'000'000'000;

inline constexpr double ToSeconds(Nanos n) { return static_cast<double>(n) / kNanosPerSecond; }

}  // namespace coreflow
