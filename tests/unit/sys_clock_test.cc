#include "sys/clock.h"

#include <gtest/gtest.h>
#include <time.h>

#include <cstdlib>

namespace coreflow {
namespace {

Nanos Read(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<Nanos>(ts.tv_sec) * kNanosPerSecond + ts.tv_nsec;
}

TEST(MonotonicNow, MatchesClockMonotonicAndNeverGoesBack) {
  Nanos before = Read(CLOCK_MONOTONIC);
  Nanos now = MonotonicNow();
  Nanos after = Read(CLOCK_MONOTONIC);
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
  Nanos last = now;
  for (int i = 0; i < 10000; ++i) {
    Nanos t = MonotonicNow();
    ASSERT_GE(t, last);
    last = t;
  }
}

TEST(MonotonicNow, MeasuresASleep) {
  Nanos start = MonotonicNow();
  timespec pause{0, 20 * kNanosPerMilli};
  while (nanosleep(&pause, &pause) != 0) {
  }
  Nanos elapsed = MonotonicNow() - start;
  EXPECT_GE(elapsed, 20 * kNanosPerMilli);
  EXPECT_LT(elapsed, 60 * kNanosPerSecond);
}

TEST(RealtimeNow, IsNanosecondsSinceTheEpoch) {
  Nanos before = Read(CLOCK_REALTIME);
  Nanos now = RealtimeNow();
  Nanos after = Read(CLOCK_REALTIME);
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
  // Within a few seconds of time(2), and after 2020.
  Nanos seconds = static_cast<Nanos>(time(nullptr));
  EXPECT_LE(std::abs(now / kNanosPerSecond - seconds), 2);
  EXPECT_GT(now, Nanos{1577836800} * kNanosPerSecond);
}

TEST(Time, ConstantsAndToSeconds) {
  EXPECT_EQ(kNanosPerSecond, 1000 * kNanosPerMilli);
  EXPECT_DOUBLE_EQ(ToSeconds(1'500'000'000), 1.5);
  EXPECT_DOUBLE_EQ(ToSeconds(0), 0.0);
  EXPECT_DOUBLE_EQ(ToSeconds(-kNanosPerSecond), -1.0);
}

}  // namespace
}  // namespace coreflow
