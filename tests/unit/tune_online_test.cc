#include "tune/online.h"

#include <algorithm>
#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "engine/run_shaper.h"

namespace coreflow {
namespace {

// A run the controller reshapes: it keeps every shape it was given, and the totals it shows.
class FakeShaper : public RunShaper {
 public:
  RunTotals totals() const override { return totals_; }
  int slots() const override { return slots_; }
  int threads_per_task() const override { return threads_; }
  void Reshape(const RunShape& shape) override {
    shapes.push_back(shape);
    slots_ = shape.slots;
    if (shape.threads > 0) threads_ = shape.threads;
    if (shape.batch > 0) batch_ = shape.batch;
  }
  size_t batch() const { return batch_; }

  RunTotals totals_;
  std::vector<RunShape> shapes;

 private:
  int slots_ = 1;
  int threads_ = 1;
  size_t batch_ = 1;
};

// Runs tasks on the fake under a fake clock, as the engine would: a freed slot starts the next
// task at once (unless the run is paused), and each task takes seconds_[its threads].
class SimulatedRun {
 public:
  SimulatedRun(std::map<int, double> seconds_by_threads, uint64_t inputs, bool total_known)
      : seconds_(std::move(seconds_by_threads)), inputs_(inputs) {
    shaper_.totals_.total = inputs;
    shaper_.totals_.total_known = total_known;
  }

  // Feeds the controller every finished task until the inputs run out or it has been done for
  // `after_done` tasks.
  void Run(AutotuneController* controller, int64_t max_rss_kib = 0, int after_done = 20) {
    controller->OnRunStarted(now_);
    Fill();
    while (!running_.empty()) {
      auto next = std::min_element(running_.begin(), running_.end(), [](auto& a, auto& b) {
        return a.ended != b.ended ? a.ended < b.ended : a.seq < b.seq;
      });
      TaskRecord record = *next;
      running_.erase(next);
      now_ = record.ended;
      record.max_rss_kib = max_rss_kib;
      shaper_.totals_.succeeded += static_cast<uint64_t>(record.inputs);
      shaper_.totals_.running = static_cast<int>(running_.size());
      controller->OnTaskFinished(record, shaper_.totals_);
      if (controller->finished() && after_done-- <= 0) stopped_ = true;
      Fill();
    }
  }

  FakeShaper& shaper() { return shaper_; }
  // The shapes that ran tasks (pauses left out), one per change.
  std::vector<int> ThreadsApplied() const {
    std::vector<int> out;
    for (const RunShape& s : shaper_.shapes) {
      if (s.slots > 0) out.push_back(s.threads);
    }
    return out;
  }

 private:
  void Fill() {
    while (!stopped_ && static_cast<int>(running_.size()) < shaper_.slots() && started_ < inputs_) {
      TaskRecord r;
      r.seq = ++started_;
      r.slot = FreeSlot();
      r.inputs = static_cast<int>(shaper_.batch());
      r.started = now_;
      r.ended = now_ + static_cast<Nanos>(seconds_.at(shaper_.threads_per_task()) * 1e9);
      running_.push_back(r);
    }
  }
  int FreeSlot() const {
    for (int slot = 1;; ++slot) {
      if (std::none_of(running_.begin(), running_.end(),
                       [slot](const TaskRecord& r) { return r.slot == slot; })) {
        return slot;
      }
    }
  }

  FakeShaper shaper_;
  std::map<int, double> seconds_;
  uint64_t inputs_;
  uint64_t started_ = 0;
  bool stopped_ = false;
  Nanos now_ = 0;
  std::vector<TaskRecord> running_;
};

// 8 cores; two threads per task is the fastest: 4 slots x 1 / 0.4 s = 10 inputs/s, where one
// thread gives 8, four 6.7 and eight 5.
const std::map<int, double> kTwoThreadsBest = {{1, 1.0}, {2, 0.4}, {4, 0.3}, {8, 0.2}};

TuneSpace EightCores() {
  TuneSpace space;
  space.cores = 8;
  return space;
}

AutotuneOptions Options(TuneMode mode) {
  AutotuneOptions options;
  options.mode = mode;
  return options;
}

TEST(AutotuneControllerTest, QuickModeTriesEachThreadCountInOrderAndKeepsTheFastest) {
  SimulatedRun run(kTwoThreadsBest, 100000, true);
  AutotuneController controller(&run.shaper(), EightCores(), Options(TuneMode::kQuick));
  run.Run(&controller);
  EXPECT_EQ(run.ThreadsApplied(), (std::vector<int>{1, 2, 4, 8, 2}));
  ASSERT_TRUE(controller.finished());
  EXPECT_EQ(controller.search().trials().size(), 4u);
  TuneConfig chosen = controller.chosen();
  EXPECT_EQ(chosen.threads, 2);
  EXPECT_EQ(chosen.slots, 4);
  const RunShape& last = run.shaper().shapes.back();  // what the rest of the run gets
  EXPECT_EQ(last.slots, 4);
  EXPECT_EQ(last.threads, 2);
  EXPECT_EQ(controller.too_few_inputs(), 0u);
}

TEST(AutotuneControllerTest, MeasuresEachTrialAtItsSteadyRate) {
  SimulatedRun run(kTwoThreadsBest, 100000, true);
  AutotuneController controller(&run.shaper(), EightCores(), Options(TuneMode::kQuick));
  run.Run(&controller);
  const std::vector<TrialResult>& trials = controller.search().trials();
  ASSERT_EQ(trials.size(), 4u);
  EXPECT_NEAR(trials[0].rate, 8.0, 1e-6);  // 8 slots of 1 s
  EXPECT_NEAR(trials[1].rate, 10.0, 1e-6);
  EXPECT_NEAR(trials[2].rate, 2 / 0.3, 1e-6);
  EXPECT_NEAR(trials[3].rate, 5.0, 1e-6);
  for (const TrialResult& t : trials) EXPECT_NEAR(t.spread, 0, 1e-9);  // tasks took as long
}

TEST(AutotuneControllerTest, DrainsTheRunBetweenTwoShapes) {
  SimulatedRun run(kTwoThreadsBest, 100000, true);
  AutotuneController controller(&run.shaper(), EightCores(), Options(TuneMode::kQuick));
  run.Run(&controller);
  // 8 slots, pause, 4, pause, 2, pause, 1 (its one task had ended: nothing to drain), 4.
  std::vector<int> slots;
  for (const RunShape& s : run.shaper().shapes) slots.push_back(s.slots);
  EXPECT_EQ(slots, (std::vector<int>{8, 0, 4, 0, 2, 0, 1, 4}));
}

TEST(AutotuneControllerTest, DefaultModeHalvesTheSeedsDescendsAndConfirms) {
  TuneSpace space = EightCores();
  space.group_cores = {4};  // seeds: 1 thread, a task per group (4) and one on every core (8)
  SimulatedRun run(kTwoThreadsBest, 1000000, true);
  AutotuneController controller(&run.shaper(), space, Options(TuneMode::kDefault));
  run.Run(&controller);
  // Seeds 1, 4, 8; 1 survives the halving; descent to 2 (better), none further; then the
  // best two A/B/A/B.
  std::vector<int> trials;
  for (const TrialResult& t : controller.search().trials()) trials.push_back(t.config.threads);
  EXPECT_EQ(trials, (std::vector<int>{1, 4, 8, 2, 2, 1, 2, 1}));
  // The second 2 in a row is measured again without a reshape; the winner ends it.
  EXPECT_EQ(run.ThreadsApplied(), (std::vector<int>{1, 4, 8, 2, 1, 2, 1, 2}));
  ASSERT_TRUE(controller.finished());
  EXPECT_EQ(controller.chosen().threads, 2);
  EXPECT_NEAR(controller.search().WinnerRate(), 10.0, 1e-6);
}

TEST(AutotuneControllerTest, KeepsTheDefaultWhenNothingBeatsItByMoreThanTheNoise) {
  // Two threads are 2 % faster than one: within the 3 % a move must win by.
  std::map<int, double> flat = {{1, 1.0}, {2, 0.49}, {4, 0.3}, {8, 0.2}};
  SimulatedRun run(flat, 100000, true);
  AutotuneController controller(&run.shaper(), EightCores(), Options(TuneMode::kQuick));
  run.Run(&controller);
  EXPECT_EQ(controller.chosen().threads, 1);
  EXPECT_EQ(run.shaper().shapes.back().slots, 8);
  EXPECT_EQ(run.shaper().shapes.back().threads, 1);
}

TEST(AutotuneControllerTest, TooFewInputsRunOnTheDefaultWithoutTrials) {
  // The first trial takes 8 warm-up tasks and a window of 16: two of them need 48.
  SimulatedRun run(kTwoThreadsBest, 40, true);
  AutotuneController controller(&run.shaper(), EightCores(), Options(TuneMode::kQuick));
  run.Run(&controller);
  EXPECT_EQ(controller.too_few_inputs(), 48u);
  EXPECT_TRUE(controller.finished());
  EXPECT_TRUE(run.shaper().shapes.empty());  // never reshaped: the planned shape ran it all
  EXPECT_TRUE(controller.search().trials().empty());
  EXPECT_EQ(controller.chosen(), DefaultConfig(EightCores()));
}

TEST(AutotuneControllerTest, ManyInputsOfUnknownNumberAreNotTooFew) {
  SimulatedRun run(kTwoThreadsBest, 40, false);  // stdin: the total is not known
  AutotuneController controller(&run.shaper(), EightCores(), Options(TuneMode::kQuick));
  run.Run(&controller);
  EXPECT_EQ(controller.too_few_inputs(), 0u);
  ASSERT_FALSE(run.shaper().shapes.empty());  // it began a trial and the inputs ran out
  EXPECT_FALSE(controller.finished());
}

TEST(AutotuneControllerTest, TheBudgetEndsTheSearchWithTheBestSoFar) {
  AutotuneOptions options = Options(TuneMode::kQuick);
  options.unknown_budget = 30;  // the first trial takes 24, the second is cut short
  options.min_budget = 30;
  SimulatedRun run(kTwoThreadsBest, 100000, false);
  AutotuneController controller(&run.shaper(), EightCores(), options);
  run.Run(&controller);
  ASSERT_TRUE(controller.finished());
  // The cut trial's window saw two tasks: too few to tell, so it is not counted.
  ASSERT_EQ(controller.search().trials().size(), 1u);
  EXPECT_EQ(controller.inputs_used(), 30u);
  EXPECT_EQ(run.ThreadsApplied(), (std::vector<int>{1, 2, 1}));
  EXPECT_EQ(controller.chosen().threads, 1);
}

TEST(AutotuneControllerTest, PeakMemoryOfATaskCapsTheSlots) {
  AutotuneOptions options = Options(TuneMode::kQuick);
  options.memory_bytes = uint64_t{4} << 30;  // a task of 1 GiB, with a 25 % margin: 3 fit
  SimulatedRun run(kTwoThreadsBest, 100000, true);
  AutotuneController controller(&run.shaper(), EightCores(), options);
  run.Run(&controller, /*max_rss_kib=*/1 << 20);
  ASSERT_GE(run.shaper().shapes.size(), 3u);
  EXPECT_EQ(run.shaper().shapes[0].slots, 8);  // before any task ended nothing was known
  for (size_t i = 1; i < run.shaper().shapes.size(); ++i) {
    EXPECT_LE(run.shaper().shapes[i].slots, 3) << "shape " << i;
  }
}

TEST(AutotuneControllerTest, PinnedConfigurationsGetTheirSlotsCarved) {
  TuneSpace space = EightCores();
  space.bind = true;  // --bind given: every configuration is pinned
  AutotuneOptions options = Options(TuneMode::kQuick);
  std::vector<int> carved;
  options.carve = [&carved](int slots) {
    carved.push_back(slots);
    return std::vector<std::vector<int>>(static_cast<size_t>(slots), std::vector<int>{0});
  };
  SimulatedRun run(kTwoThreadsBest, 100000, true);
  AutotuneController controller(&run.shaper(), space, options);
  run.Run(&controller);
  EXPECT_EQ(carved, (std::vector<int>{8, 4, 2, 1, 4}));
  for (const RunShape& s : run.shaper().shapes) {
    EXPECT_EQ(s.slot_cpus.size(), static_cast<size_t>(s.slots));
  }
}

TEST(AutotuneControllerTest, BatchSizesAreTriedInExhaustiveMode) {
  TuneSpace space;
  space.cores = 2;
  space.max_batch = 2;
  SimulatedRun run({{1, 0.5}, {2, 0.4}}, 100000, true);
  AutotuneController controller(&run.shaper(), space, Options(TuneMode::kExhaustive));
  run.Run(&controller);
  ASSERT_TRUE(controller.finished());
  // Every (threads, batch) twice, in the grid's order.
  std::vector<std::pair<int, size_t>> tried;
  for (const TrialResult& t : controller.search().trials()) {
    tried.emplace_back(t.config.threads, t.config.batch);
  }
  std::vector<std::pair<int, size_t>> grid = {{1, 1}, {1, 2}, {2, 1}, {2, 2}};
  std::vector<std::pair<int, size_t>> twice = grid;
  twice.insert(twice.end(), grid.begin(), grid.end());
  EXPECT_EQ(tried, twice);
  // Two inputs per task of 0.5 s on 2 slots: 8 inputs/s, the best.
  EXPECT_EQ(controller.chosen().threads, 1);
  EXPECT_EQ(controller.chosen().batch, 2u);
  EXPECT_EQ(run.shaper().batch(), 2u);
}

}  // namespace
}  // namespace coreflow
