#include "compare/interval.h"

#include <gtest/gtest.h>

#include <cmath>

namespace coreflow {
namespace {

TEST(StudentT975Test, TableAndSeriesAgreeWithPublishedValues) {
  EXPECT_DOUBLE_EQ(StudentT975(1), 12.706);
  EXPECT_DOUBLE_EQ(StudentT975(30), 2.042);
  EXPECT_NEAR(StudentT975(31), 2.0395, 0.0005);
  EXPECT_NEAR(StudentT975(60), 2.0003, 0.0005);
  EXPECT_NEAR(StudentT975(120), 1.9799, 0.0005);
  EXPECT_NEAR(StudentT975(100000), 1.9600, 0.0005);
  for (int df = 1; df < 200; ++df) EXPECT_GT(StudentT975(df), StudentT975(df + 1)) << df;
  EXPECT_TRUE(std::isinf(StudentT975(0)));
}

TEST(MeanIntervalTest, TheTIntervalOfTheMean) {
  Interval m = MeanInterval({1, 2, 3});
  EXPECT_DOUBLE_EQ(m.estimate, 2);
  EXPECT_NEAR(m.high - m.estimate, 4.303 / std::sqrt(3.0), 1e-12);  // sd 1
  EXPECT_NEAR(m.estimate - m.low, m.high - m.estimate, 1e-12);
  EXPECT_NEAR(m.RelativeHalfWidth(), 4.303 / std::sqrt(3.0) / 2, 1e-12);
  Interval one = MeanInterval({5});
  EXPECT_EQ(one.estimate, 5);
  EXPECT_TRUE(std::isinf(one.high)) << "one value: no width known";
  EXPECT_TRUE(std::isinf(one.RelativeHalfWidth()));
}

TEST(PairedRatioIntervalTest, PairsCancelWhatMovedBothSides) {
  // The machine slowed down 3x between rounds; b was 10 % slower than a in every round.
  Interval r = PairedRatioInterval({1, 3, 1.5}, {1.1, 3.3, 1.65});
  EXPECT_NEAR(r.estimate, 1.1, 1e-12);
  EXPECT_NEAR(r.low, 1.1, 1e-9);
  EXPECT_NEAR(r.high, 1.1, 1e-9);
  // Without pairing, that drift would swamp the 10 %: the unpaired means overlap widely.
  EXPECT_TRUE(MeanInterval({1, 3, 1.5}).Covers(MeanInterval({1.1, 3.3, 1.65}).estimate));
}

TEST(PairedRatioIntervalTest, IsSymmetricInLogsAndSkipsEmptyPairs) {
  Interval r = PairedRatioInterval({1, 1, 1, 0}, {2, 0.5, 1, 7});
  EXPECT_NEAR(r.estimate, 1.0, 1e-12) << "x2 and x0.5 are as far from 1; the 0 pair is out";
  EXPECT_NEAR(r.low * r.high, 1.0, 1e-9);
  Interval b = PairedRatioInterval({2, 0.5, 1}, {1, 1, 1});
  EXPECT_NEAR(b.low, 1 / r.high, 1e-9) << "a over b is b over a turned over";
  EXPECT_TRUE(std::isinf(PairedRatioInterval({1}, {2}).high));
}

}  // namespace
}  // namespace coreflow
