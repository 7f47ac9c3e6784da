#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "compare/interval.h"

namespace coreflow {

// How `coreflow bench` runs two or more configurations of one workload (docs/bench.md): in
// rounds, each of which runs one block of items under every configuration, in an order drawn
// anew for each round, so that a drift of the machine's speed (another job starting, a CPU
// warming up) falls on every configuration alike and pairs within a round cancel it. The
// first rounds warm up (caches, page cache, warm workers started) and are not counted. A pure
// state machine: the caller runs the blocks and tells it the time each took.
struct TrialOptions {
  int configs = 2;
  int warmup_rounds = 1;
  int min_rounds = 10;      // counted rounds before stopping for precision is considered
  double precision = 0.02;  // stop once every ratio's interval is within ± this (0: never)
  // Start no round after this long, once 2 rounds are counted (an interval needs 2); < 0: none.
  double budget_s = -1;
  int max_rounds = 0;  // rounds the items allow, warm-up included (0: no limit)
  uint64_t seed = 1;   // of the order within rounds
};

enum class TrialEnd {
  kRunning,
  kPrecise,  // every ratio's interval is narrow enough
  kBudget,   // the time budget is spent
  kItems,    // the items ran out (or max_rounds)
};

struct Block {
  int config = 0;
  int round = 0;  // from 0, warm-up rounds included
};

struct TrialSummary {
  int rounds = 0;  // counted (complete, after warm-up)
  int warmup_rounds = 0;
  std::vector<Interval> seconds_per_item;  // per configuration
  std::vector<Interval> items_per_s;       // per configuration
  std::vector<Interval> ratio;             // per configuration: its time per item over the first's
  TrialEnd end = TrialEnd::kRunning;
};

class TrialPlan {
 public:
  explicit TrialPlan(TrialOptions options);

  // The block to run next, or none once the trial has ended; `elapsed_s` is the time since the
  // trial began, for the budget (checked as a round begins).
  std::optional<Block> Next(double elapsed_s);
  // The block Next gave took `seconds` for `items` items.
  void Record(const Block& block, double seconds, uint64_t items);

  TrialEnd end() const { return end_; }
  TrialSummary Summary() const;

 private:
  void StartRound(double elapsed_s);
  void FinishRound();

  TrialOptions options_;
  std::mt19937_64 random_;
  int round_ = -1;
  std::vector<int> order_;  // this round's configurations, in the order they run
  size_t next_in_round_ = 0;
  size_t recorded_in_round_ = 0;
  std::vector<double> round_times_;         // this round's seconds per item, per configuration
  std::vector<std::vector<double>> times_;  // per configuration: per counted round
  TrialEnd end_ = TrialEnd::kRunning;
};

}  // namespace coreflow
