#include "report/quantiles.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "report/collector.h"
#include "report/stats.h"

namespace coreflow {
namespace {

TEST(QuantileSketch, ExactWhileSmall) {
  QuantileSketch q;
  for (double v : {5.0, 1.0, 4.0, 2.0, 3.0}) q.Add(v);
  Distribution d = q.Describe();
  EXPECT_EQ(d.count, 5u);
  EXPECT_EQ(d.p50, 3.0);
  EXPECT_EQ(d.p90, 5.0);
  EXPECT_EQ(d.max, 5.0);
  EXPECT_DOUBLE_EQ(d.mean, 3.0);
  EXPECT_EQ(QuantileSketch().Describe().count, 0u);
}

TEST(QuantileSketch, WithinOnePercentAndBoundedWhenLarge) {
  // Skewed like run times: log-normal, a million of them.
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(0.0, 1.5);
  QuantileSketch q;
  std::vector<double> all;
  for (int i = 0; i < 1'000'000; ++i) {
    double v = dist(rng);
    q.Add(v);
    all.push_back(v);
  }
  std::sort(all.begin(), all.end());
  Distribution d = q.Describe();
  EXPECT_EQ(d.count, all.size());
  EXPECT_EQ(d.max, all.back());
  for (auto [p, got] : {std::pair{50.0, d.p50}, std::pair{90.0, d.p90}, std::pair{99.0, d.p99}}) {
    double want = Percentile(all, p);
    EXPECT_NEAR(got, want, want * QuantileSketch::kRelativeError * 1.0001) << "p" << p;
  }
  EXPECT_LT(q.stored(), 4000u);  // buckets, not a million values
}

TEST(QuantileSketch, ZerosAndNonsense) {
  QuantileSketch q;
  for (int i = 0; i < 5000; ++i) q.Add(i < 4000 ? 0.0 : 2.0);
  q.Add(-1);
  q.Add(std::nan(""));
  Distribution d = q.Describe();
  EXPECT_EQ(d.p50, 0.0);
  EXPECT_NEAR(d.p99, 2.0, 0.02);
  EXPECT_EQ(d.max, 2.0);
}

AttemptData Attempt(uint64_t seq, double wall, const char* outcome) {
  AttemptData a;
  a.seq = seq;
  a.wall_s = wall;
  a.outcome = outcome;
  a.slot = 1;
  return a;
}

TEST(RunStatsBuilder, SlowestAndFailuresMatchAWholeSort) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> wall(0, 100);
  RunData data;
  for (uint64_t i = 1; i <= 5000; ++i) {
    // Ties on purpose: the earlier task comes first among equals.
    data.attempts.push_back(Attempt(i, std::floor(wall(rng)), i % 7 == 0 ? "failed" : "ok"));
  }
  RunStats s = ComputeStats(data, 10, 50);
  std::vector<AttemptData> sorted = data.attempts;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const AttemptData& x, const AttemptData& y) { return x.wall_s > y.wall_s; });
  ASSERT_EQ(s.slowest.size(), 10u);
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(s.slowest[i].seq, sorted[i].seq) << i;
  ASSERT_EQ(s.failures.size(), 50u);
  EXPECT_EQ(s.failures[0].seq, 7u);
  EXPECT_EQ(s.failures_left_out, 5000 / 7 - 50u);
}

TEST(ReportCollector, KeepsNoAttemptsUnlessThePageNeedsThem) {
  TaskRecord r;
  r.final = true;
  r.ended = kNanosPerSecond;
  ReportCollector summary_only(/*keep_commands=*/false, /*keep_attempts=*/false);
  ReportCollector for_html(/*keep_commands=*/true, /*keep_attempts=*/true);
  for (uint64_t i = 1; i <= 20'000; ++i) {
    r.seq = i;
    summary_only.OnTaskFinished(r, RunTotals{});
    for_html.OnTaskFinished(r, RunTotals{});
  }
  EXPECT_TRUE(summary_only.data().attempts.empty());
  EXPECT_EQ(summary_only.Stats().tasks, 20'000u);
  EXPECT_EQ(summary_only.Stats().runtime_s.p50, 1.0);
  EXPECT_EQ(for_html.data().attempts.size(), 20'000u);
  EXPECT_EQ(for_html.Stats().tasks, 20'000u);
}

}  // namespace
}  // namespace coreflow
