#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/hash128.h"
#include "compare/trial_plan.h"

namespace coreflow {

// One configuration of `coreflow bench`: its name and the `coreflow run` arguments (options
// and command template) that make it.
struct BenchConfig {
  std::string name;
  std::vector<std::string> run_args;
};

// What an interval of time ratios (a configuration's over the first's) says, in words:
// "1.34x faster", "1.05x slower", "no difference shown", or "" when it has no width.
std::string RatioVerdict(const Interval& ratio);

// What one item did under one configuration, to compare with what it did under the first.
struct ItemOutcome {
  int exit = 0;        // its exit status (128 + signal), -1 when it never ran
  Hash128 output;      // of its standard output
  uint64_t bytes = 0;  // of its standard output
  std::string path;    // where its standard output is, for a user's comparison
};

// One block of items run under one configuration (docs/bench.md).
struct BlockRun {
  double seconds = 0;              // from its first task's start to its last task's end
  std::vector<ItemOutcome> items;  // in the order of the block's items
  std::string error;               // the block could not be run: the bench stops with this
};

// Runs blocks for a BenchSession: the real one runs `coreflow run` (cli/bench_runner.h), a
// fake one is a table.
class BlockRunner {
 public:
  virtual ~BlockRunner() = default;
  virtual BlockRun Run(int config, int round, const std::vector<std::string>& items) = 0;
  // Whether two outcomes of one item are the same: by default, the same exit status and the
  // same bytes on standard output. Sets *why when it cannot tell.
  virtual bool Same(const ItemOutcome& first, const ItemOutcome& other, std::string* why);
  // The round is compared: what its blocks left may go.
  virtual void Forget(int /*round*/) {}
};

struct OutputDifference {
  std::string item;
  int config = 0;    // differs from configuration 0
  std::string what;  // how
};

struct BenchResult {
  TrialSummary summary;
  int block_items = 0;          // in the rounds after the first
  double median_block_s = 0;    // of the counted blocks
  uint64_t items_compared = 0;  // item runs compared with configuration 0's, over all rounds
  std::vector<OutputDifference> differences;  // the first kMaxDifferences
  uint64_t difference_count = 0;
  std::vector<uint64_t> failed;  // per configuration: item runs with a nonzero exit status
  std::string error;             // a block could not run
  double elapsed_s = 0;
};

// Runs the trial: each round takes the next `block_items` items (from the start again once
// they run out, so a short list can still give enough rounds), every configuration runs that
// block, and what each item printed is compared with what it printed under configuration 0.
// With `target_block_s` > 0, blocks grow after the first round until the slowest
// configuration takes about that long for one (never past the number of items): short blocks
// are mostly timer resolution and start-up noise.
class BenchSession {
 public:
  static constexpr size_t kMaxDifferences = 20;
  BenchSession(TrialOptions options, std::vector<std::string> items, int block_items,
               BlockRunner* runner, std::function<double()> seconds_now, double target_block_s = 0);
  // Called after each whole round (from 0, warm-up included) with the seconds so far: progress.
  void OnRound(std::function<void(int round, double elapsed_s)> f) { on_round_ = std::move(f); }
  BenchResult Run();

 private:
  std::vector<std::string> NextBlock();
  void Compare(const std::vector<std::string>& items);
  void Resize();  // after the first round, with target_block_s

  TrialOptions options_;
  std::vector<std::string> items_;
  int block_items_;
  size_t next_item_ = 0;
  double target_block_s_;
  BlockRunner* runner_;
  std::function<double()> now_;
  std::function<void(int, double)> on_round_;
  std::vector<BlockRun> round_runs_;  // the current round's, per configuration
  BenchResult result_;
};

}  // namespace coreflow
