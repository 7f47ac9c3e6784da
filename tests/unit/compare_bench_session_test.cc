#include "compare/bench_session.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace coreflow {
namespace {

// Each configuration takes `per_item[config]` seconds an item and prints the item, or, for
// the items in `other`, something else; items in `failing` exit 1.
class FakeBlockRunner : public BlockRunner {
 public:
  std::vector<double> per_item = {1.0, 1.0};
  std::map<int, std::set<std::string>> other;
  std::set<std::string> failing;
  std::vector<std::vector<std::string>> blocks;  // as run, for configuration 0
  std::vector<int> forgotten;
  int fail_at_round = -1;
  double* clock = nullptr;

  BlockRun Run(int config, int round, const std::vector<std::string>& items) override {
    BlockRun run;
    if (round == fail_at_round) {
      run.error = "configuration could not run";
      return run;
    }
    if (config == 0) blocks.push_back(items);
    run.seconds = per_item[static_cast<size_t>(config)] * static_cast<double>(items.size());
    *clock += run.seconds;
    for (const std::string& item : items) {
      ItemOutcome o;
      std::string printed = other[config].count(item) ? "else" : item;
      o.output = Hash128(0, std::hash<std::string>()(printed));
      o.bytes = printed.size();
      o.exit = failing.count(item) ? 1 : 0;
      run.items.push_back(o);
    }
    return run;
  }
  void Forget(int round) override { forgotten.push_back(round); }
};

struct Bench {
  double clock = 0;
  FakeBlockRunner runner;
  TrialOptions options;
  Bench() {
    runner.clock = &clock;
    options.max_rounds = 6;
    options.precision = 0;
  }
  std::function<void(int, double)> on_round;
  BenchResult Run(std::vector<std::string> items, int block) {
    BenchSession session(options, std::move(items), block, &runner, [this] { return clock; });
    if (on_round) session.OnRound(on_round);
    return session.Run();
  }
};

TEST(BenchSessionTest, RoundsTakeTheNextItemsAndStartOverWhenTheyRunOut) {
  Bench b;
  std::vector<std::pair<int, double>> rounds;
  b.on_round = [&](int round, double elapsed) { rounds.emplace_back(round, elapsed); };
  BenchResult r = b.Run({"a", "b", "c", "d", "e"}, 2);
  ASSERT_EQ(rounds.size(), 6u) << "progress after each whole round";
  EXPECT_EQ(rounds[5], (std::pair<int, double>{5, 24.0}));
  using W = std::vector<std::string>;
  ASSERT_EQ(b.runner.blocks.size(), 6u);
  EXPECT_EQ(b.runner.blocks[0], (W{"a", "b"}));
  EXPECT_EQ(b.runner.blocks[2], (W{"e", "a"}));
  EXPECT_EQ(b.runner.blocks[3], (W{"b", "c"}));
  EXPECT_EQ(b.runner.blocks[5], (W{"a", "b"}));
  EXPECT_EQ(b.runner.forgotten, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(r.summary.rounds, 5);
  EXPECT_EQ(r.items_compared, 12u);
  EXPECT_EQ(r.difference_count, 0u);
  EXPECT_DOUBLE_EQ(r.elapsed_s, 24.0);
}

TEST(BenchSessionTest, EveryItemIsComparedWithWhatTheFirstConfigurationDid) {
  Bench b;
  b.runner.per_item = {1.0, 0.5, 2.0};
  b.options.configs = 3;
  b.runner.other[2] = {"b"};
  b.runner.failing = {"c"};
  BenchResult r = b.Run({"a", "b", "c"}, 3);
  EXPECT_NEAR(r.summary.ratio[1].estimate, 0.5, 1e-12);
  EXPECT_NEAR(r.summary.ratio[2].estimate, 2.0, 1e-12);
  EXPECT_EQ(r.items_compared, 36u) << "6 rounds, 3 items, 2 configurations against the first";
  EXPECT_EQ(r.difference_count, 6u) << "'b' under configuration 2, every round";
  ASSERT_FALSE(r.differences.empty());
  EXPECT_EQ(r.differences[0].item, "b");
  EXPECT_EQ(r.differences[0].config, 2);
  EXPECT_EQ(r.differences[0].what, "other output (4 bytes instead of 1)");
  EXPECT_EQ(r.failed, (std::vector<uint64_t>{6, 6, 6})) << "failing alike is no difference";
}

TEST(BenchSessionTest, AnExitStatusOfItsOwnIsADifference) {
  Bench b;
  b.runner.per_item = {1.0, 1.0};
  BenchResult r = b.Run({"a"}, 1);
  EXPECT_EQ(r.difference_count, 0u);
  ItemOutcome ok, failed;
  failed.exit = 2;
  std::string why;
  EXPECT_FALSE(b.runner.Same(ok, failed, &why));
  EXPECT_EQ(why, "exit status 2 instead of 0");
}

TEST(BenchSessionTest, ABlockThatCannotRunEndsTheBenchWithItsError) {
  Bench b;
  b.runner.fail_at_round = 2;
  BenchResult r = b.Run({"a", "b"}, 1);
  EXPECT_EQ(r.error, "configuration could not run");
  EXPECT_EQ(r.summary.rounds, 1);
}

TEST(BenchSessionTest, DifferencesAreCountedAllButListedUpToALimit) {
  Bench b;
  std::vector<std::string> items;
  for (int i = 0; i < 50; ++i) items.push_back("i" + std::to_string(i));
  b.runner.other[1] = std::set<std::string>(items.begin(), items.end());
  b.options.max_rounds = 2;
  BenchResult r = b.Run(items, 50);
  EXPECT_EQ(r.difference_count, 100u);
  EXPECT_EQ(r.differences.size(), BenchSession::kMaxDifferences);
}

}  // namespace
}  // namespace coreflow
