#include "report/units.h"

#include <gtest/gtest.h>

#include <time.h>

#include <cstdint>

#include "test_util.h"

namespace coreflow {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kMiB = uint64_t{1} << 20;

TEST(ReportUnits, RatesPickAUnitThatShowsSlowRuns) {
  EXPECT_EQ(FormatRate(2.0), "2.0/s");
  EXPECT_EQ(FormatRate(9.94), "9.9/s");
  EXPECT_EQ(FormatRate(9.96), "10/s");
  EXPECT_EQ(FormatRate(1234.4), "1234/s");
  EXPECT_EQ(FormatRate(1.0), "1.0/s");
  EXPECT_EQ(FormatRate(0.5), "30/min");
  EXPECT_EQ(FormatRate(0.1), "6.0/min");
  EXPECT_EQ(FormatRate(1.0 / 60), "1.0/min");
  EXPECT_EQ(FormatRate(1.0 / 600), "6.0/h");
  EXPECT_EQ(FormatRate(1.0 / 36000), "0.1/h");
}

TEST(ReportUnits, BytesInBinaryUnits) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1024), "1.0 KiB");
  EXPECT_EQ(FormatBytes(37 * kMiB + 100), "37 MiB");
  EXPECT_EQ(FormatBytes(kGiB + kGiB / 5), "1.2 GiB");
  EXPECT_EQ(FormatBytes(1023 * kMiB + kMiB / 2), "1.0 GiB");  // not "1024 MiB"
  EXPECT_EQ(FormatBytes(12 * kGiB), "12 GiB");
  EXPECT_EQ(FormatBytes(3 * 1024 * kGiB), "3.0 TiB");
}

TEST(ReportUnits, ClockGetsHoursWhenNeeded) {
  EXPECT_EQ(FormatClock(0), "0:00");
  EXPECT_EQ(FormatClock(7.4), "0:07");
  EXPECT_EQ(FormatClock(599.6), "10:00");  // rounded to the nearest second
  EXPECT_EQ(FormatClock(3661), "1:01:01");
  EXPECT_EQ(FormatClock(36059), "10:00:59");
  EXPECT_EQ(FormatClock(-3), "0:00");
}

TEST(ReportUnits, DurationsInSecondsThenAClock) {
  EXPECT_EQ(FormatDuration(0.25), "0.25 s");
  EXPECT_EQ(FormatDuration(42.34), "42.3 s");
  EXPECT_EQ(FormatDuration(9.999), "10.0 s");  // never "10.00 s"
  EXPECT_EQ(FormatDuration(59.97), "1:00");
  EXPECT_EQ(FormatDuration(125), "2:05");
  EXPECT_EQ(FormatDuration(3723), "1:02:03");
  EXPECT_EQ(FormatDuration(-1), "0.00 s");
}

TEST(ReportUnits, KibAsBytes) {
  EXPECT_EQ(FormatKib(512), "512 KiB");
  EXPECT_EQ(FormatKib(300 * 1024.0), "300 MiB");
  EXPECT_EQ(FormatKib(1.5 * 1024 * 1024), "1.5 GiB");
  EXPECT_EQ(FormatKib(-5), "0 B");
}

TEST(ReportUnits, TimestampsAreLocalIso8601WithTheOffset) {
  {
    testutil::EnvOverride tz("TZ", "UTC0");
    tzset();
    EXPECT_EQ(FormatTimestamp(1700000000.7), "2023-11-14T22:13:20+00:00");
    testutil::EnvOverride cet("TZ", "CET-1");
    tzset();
    EXPECT_EQ(FormatTimestamp(1700000000), "2023-11-14T23:13:20+01:00");
    EXPECT_EQ(FormatTimestamp(0), "");
  }
  tzset();  // the zone this process had
}

}  // namespace
}  // namespace coreflow
