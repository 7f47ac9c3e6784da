#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>

#include "test_util.h"
#include "tune/cache.h"
#include "tune/meter.h"
#include "tune/online.h"
#include "tune/search.h"
#include "tune/space.h"

namespace coreflow {
namespace {

constexpr Nanos kMs = kNanosPerMilli;

TEST(TuneSpace, ThreadAndBatchChoices) {
  TuneSpace s;
  s.cores = 12;
  s.group_cores = {6, 12, 0};
  EXPECT_EQ(ThreadChoices(s), (std::vector<int>{1, 2, 4, 6, 8, 12}));
  s.max_batch = 10;
  EXPECT_EQ(BatchChoices(s), (std::vector<size_t>{1, 2, 4, 8, 10}));
  TuneConfig c = MakeConfig(s, 4, 2, true);
  EXPECT_EQ(c.slots, 3);
  EXPECT_FALSE(c.bind);  // pinning is not tried: it stays as the user set it
  s.max_slots = 2;
  EXPECT_EQ(MakeConfig(s, 1, 1, false).slots, 2);  // memory's cut
  EXPECT_EQ(DefaultConfig(s).Describe(), "-j 2 -t 1 -N 10");
}

TEST(TrialMeter, OpensOnceEverySlotFinishedATask) {
  TrialMeter m(2, 4);
  m.OnFinished(0, 100 * kMs, 1, 1);
  m.OnFinished(100 * kMs, 150 * kMs, 1, 1);  // slot 2 has not finished one: still warming up
  m.OnFinished(0, 200 * kMs, 1, 2);          // the window opens here
  EXPECT_FALSE(m.done());
  for (int i = 1; i <= 4; ++i) {
    m.OnFinished((100 * i) * kMs, (200 + 100 * i) * kMs, 2, i % 2 + 1);  // 200 ms each
  }
  EXPECT_TRUE(m.done());
  EXPECT_DOUBLE_EQ(m.rate(), 8 / 0.4);  // 8 inputs in 400 ms
  EXPECT_NEAR(m.spread(), 0, 1e-9);     // every task took the same time
  EXPECT_EQ(m.inputs(), 11u);
}

TEST(TrialMeter, SlotsFinishingInStepAreNotNoise) {
  // Two slots whose equal tasks end in pairs: completion times bunch, task times do not.
  TrialMeter m(2, 6);
  m.OnFinished(0, 100 * kMs, 1, 1);
  m.OnFinished(0, 100 * kMs, 1, 2);
  for (int pair = 1; pair <= 3; ++pair) {
    for (int slot = 1; slot <= 2; ++slot) {
      m.OnFinished(100 * pair * kMs, 100 * (pair + 1) * kMs, 1, slot);
    }
  }
  EXPECT_TRUE(m.done());
  EXPECT_NEAR(m.spread(), 0, 1e-9);
}

TEST(TrialMeter, UnevenTasksShowAsSpread) {
  TrialMeter m(1, 4);
  m.OnFinished(0, 100 * kMs, 1, 1);
  Nanos t = 100 * kMs;
  for (Nanos d : {100, 100, 200, 200}) {
    m.OnFinished(t, t + d * kMs, 1, 1);
    t += d * kMs;
  }
  // Task times 0.1, 0.1, 0.2, 0.2 s: mean 0.15, sd 0.0577, 2 SE / mean = 0.385.
  EXPECT_NEAR(m.spread(), 2 * (0.1 / std::sqrt(3.0)) / std::sqrt(4.0) / 0.15, 1e-9);
}

// Runs a search against a made-up machine whose throughput per config is `rate`.
TuneConfig Tune(TuneSearch& search, const std::function<double(const TuneConfig&)>& rate,
                int* trials = nullptr) {
  int n = 0;
  while (auto c = search.Next()) {
    search.Report({*c, rate(*c), 0.01, 10});
    if (++n > 200) break;
  }
  if (trials != nullptr) *trials = n;
  return search.Winner();
}

TEST(TuneSearch, DescentFindsAnOptimumAwayFromTheDefault) {
  TuneSpace s;
  s.cores = 16;
  s.group_cores = {8};
  TuneSearch search(s, TuneMode::kDefault);
  // Throughput peaks at 4 threads per task (a per-thread working set that fits the cache).
  std::map<int, double> by_threads = {{1, 10}, {2, 14}, {4, 20}, {8, 12}, {16, 6}};
  int trials = 0;
  TuneConfig best = Tune(
      search, [&](const TuneConfig& c) { return by_threads[c.threads]; }, &trials);
  EXPECT_EQ(best.threads, 4);
  EXPECT_EQ(best.slots, 4);
  TuneSearch grid(s, TuneMode::kExhaustive);
  int grid_trials = 0;
  Tune(
      grid, [&](const TuneConfig& c) { return by_threads[c.threads]; }, &grid_trials);
  EXPECT_LT(trials, grid_trials);
}

TEST(TuneSearch, DescentCostsAThirdOfTheGridAndReaches95Percent) {
  TuneSpace s;
  s.cores = 16;
  s.group_cores = {8};
  s.max_batch = 8;
  s.try_bind = true;
  std::map<int, double> by_threads = {{1, 10}, {2, 14}, {4, 20}, {8, 12}, {16, 6}};
  auto rate = [&](const TuneConfig& c) {
    double batch = c.batch == 1 ? 1.0 : c.batch == 2 ? 1.08 : c.batch == 4 ? 1.12 : 1.1;
    return by_threads[c.threads] * batch * (c.bind ? 1.05 : 1.0);
  };
  TuneSearch descent(s, TuneMode::kDefault), grid(s, TuneMode::kExhaustive);
  int descent_trials = 0, grid_trials = 0;
  TuneConfig found = Tune(descent, rate, &descent_trials);
  TuneConfig best = Tune(grid, rate, &grid_trials);
  EXPECT_GE(rate(found), 0.95 * rate(best));
  EXPECT_LE(descent_trials * 3, grid_trials) << descent_trials << " against " << grid_trials;
}

TEST(TuneSearch, SeedsFindAnOptimumTheDescentAloneWouldMiss) {
  // Doubling from one thread gains too little to move, yet one task on all 16 cores (a working
  // set that fits only when split 16 ways) is 2.5x: a seed is there from the start.
  TuneSpace s;
  s.cores = 16;
  s.group_cores = {8};
  TuneSearch search(s, TuneMode::kDefault);
  std::map<int, double> by_threads = {{1, 10}, {2, 10.1}, {4, 9}, {8, 11}, {16, 25}};
  TuneConfig best = Tune(search, [&](const TuneConfig& c) { return by_threads[c.threads]; });
  EXPECT_EQ(best.threads, 16);
  EXPECT_EQ(best.slots, 1);
  std::vector<int> first;  // the seeds, measured first: 1, the L3 group's 8, and 16
  for (size_t i = 0; i < 3; ++i) first.push_back(search.trials()[i].config.threads);
  EXPECT_EQ(first, (std::vector<int>{1, 8, 16}));
}

TEST(TuneSearch, CloseSeedsAreMeasuredAgainBeforeOneIsChosen) {
  TuneSpace s;
  s.cores = 16;
  s.group_cores = {4, 8};
  TuneSearch search(s, TuneMode::kDefault);
  // 4 and 8 threads are within the noise of each other: both go to a second round.
  std::map<int, double> by_threads = {{1, 10}, {2, 11}, {4, 20}, {8, 20.2}, {16, 5}};
  Tune(search, [&](const TuneConfig& c) { return by_threads[c.threads]; });
  std::vector<int> order;
  for (const TrialResult& t : search.trials()) order.push_back(t.config.threads);
  ASSERT_GE(order.size(), 6u);
  EXPECT_EQ(std::vector<int>(order.begin(), order.begin() + 6),
            (std::vector<int>{1, 4, 8, 16, 8, 4}));
}

TEST(TuneSearch, TheDefaultStaysUnlessBeatenByMoreThanTheNoise) {
  TuneSpace s;
  s.cores = 4;
  TuneSearch search(s, TuneMode::kDefault);
  TuneConfig best = Tune(search, [](const TuneConfig& c) { return c.threads == 2 ? 10.2 : 10.0; });
  EXPECT_EQ(best, DefaultConfig(s));  // 2 % is within the 3 % threshold
}

TEST(TuneSearch, QuickTriesEachThreadCountOnce) {
  TuneSpace s;
  s.cores = 8;
  s.max_batch = 4;
  s.try_bind = true;
  TuneSearch search(s, TuneMode::kQuick);
  int trials = 0;
  Tune(
      search, [](const TuneConfig& c) { return 1.0 + c.threads; }, &trials);
  EXPECT_EQ(trials, 4);  // 1, 2, 4, 8
  EXPECT_EQ(search.Winner().threads, 8);
}

TEST(TuneSearch, BatchAndPinningAreSearchedToo) {
  TuneSpace s;
  s.cores = 2;
  s.max_batch = 8;
  s.try_bind = true;
  TuneSearch search(s, TuneMode::kDefault);
  std::map<size_t, double> by_batch = {{1, 15}, {2, 16}, {4, 14}, {8, 10}};
  TuneConfig best =
      Tune(search, [&](const TuneConfig& c) { return by_batch[c.batch] + (c.bind ? 3 : 0); });
  EXPECT_EQ(best.batch, 2u);
  EXPECT_TRUE(best.bind);
}

TEST(TrialBudget, AShareOfTheJobAtLeastTheFloorAndTheExhaustivePlan) {
  AutotuneOptions o;
  o.budget_fraction = 0.05;
  RunTotals totals;
  totals.total_known = true;
  totals.total = 10'000;
  EXPECT_EQ(TrialBudget(o, totals, 0), 500u);
  totals.total = 120;
  EXPECT_EQ(TrialBudget(o, totals, 0), 48u);   // the floor
  EXPECT_EQ(TrialBudget(o, totals, 70), 70u);  // an exhaustive grid that needs more
  totals.total_known = false;
  EXPECT_EQ(TrialBudget(o, totals, 0), 400u);  // the total is not known (yet)
}

TEST(TuneCache, RoundTripsAndNeedsAnExactKey) {
  testutil::ScratchDir dir("tune");
  TuneKey key{"cpu=x\n", "cores=2\n", "blas=openblas\n", "template=echo {}\n"};
  CachedTune t;
  t.config = {2, 4, 8, true};
  t.rate = 12.5;
  t.host = "node1";
  t.trials.push_back({t.config, 12.5, 0.02, 30});
  ASSERT_EQ(SaveTune(dir.path(), key, t), 0);
  CachedTune back;
  ASSERT_TRUE(LoadTune(dir.path(), key, &back));
  EXPECT_EQ(back.config, t.config);
  EXPECT_DOUBLE_EQ(back.rate, 12.5);
  EXPECT_EQ(back.host, "node1");
  ASSERT_EQ(back.trials.size(), 1u);
  TuneKey other = key;
  other.allocation = "cores=4\n";
  EXPECT_FALSE(LoadTune(dir.path(), other, &back));
  EXPECT_EQ(ListTunes(dir.path()).size(), 1u);
  EXPECT_EQ(ClearTunes(dir.path()), 1);
  EXPECT_FALSE(LoadTune(dir.path(), key, &back));
  EXPECT_EQ(ClearTunes(dir.path() + "/none"), 0);
}

TEST(TuneCache, WhereItLives) {
  EXPECT_EQ(TuneCacheDir(Environment({"COREFLOW_CACHE_DIR=/c", "HOME=/h"})), "/c/tune");
  EXPECT_EQ(TuneCacheDir(Environment({"XDG_CACHE_HOME=/x", "HOME=/h"})), "/x/coreflow/tune");
  EXPECT_EQ(TuneCacheDir(Environment({"HOME=/h"})), "/h/.cache/coreflow/tune");
}

}  // namespace
}  // namespace coreflow
