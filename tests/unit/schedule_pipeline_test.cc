// The scheduler with several stages, driven the way the engine drives it: an item's task for
// stage k+1 is queued when its task for stage k has finished.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <set>

#include "schedule/scheduler.h"

namespace coreflow {
namespace {

constexpr Nanos kMs = kNanosPerMilli;

class PipelineSim {
 public:
  PipelineSim(int budget, std::vector<StageOptions> stages, std::vector<Nanos> durations,
              uint64_t items)
      : options_(Options(budget, stages)),
        scheduler_(options_),
        stages_(std::move(stages)),
        durations_(std::move(durations)),
        items_(items),
        running_by_stage_(stages_.size()),
        max_running_by_stage_(stages_.size()) {}

  // Whether attempt `attempt` of item `item`'s task for `stage` fails.
  std::function<bool(uint64_t item, int stage, int attempt)> fails = [](uint64_t, int, int) {
    return false;
  };

  void Run() {
    Feed();
    while (!scheduler_.finished()) {
      ASSERT_FALSE(exits_.empty()) << "stuck: nothing runs and the run did not finish";
      auto [at, task] = *exits_.begin();
      exits_.erase(exits_.begin());
      now_ = std::max(now_, at);
      const Task& t = tasks_.at(task);
      cores_used_ -= Cores(t.stage);
      --running_by_stage_[static_cast<size_t>(t.stage)];
      Outcome o;
      if (fails(t.item, t.stage, t.attempt)) o.exit_code = 1;
      Dispatch(ev::TaskExited{TaskId(task), o});
      Feed();
    }
  }

  int exit_status() const { return exit_status_; }
  Nanos end() const { return now_; }
  Nanos first_item_done() const { return first_done_; }
  uint64_t items_done() const { return done_.size(); }
  int max_cores_used() const { return max_cores_used_; }
  int max_running(int stage) const { return max_running_by_stage_[static_cast<size_t>(stage)]; }
  uint64_t max_in_flight() const { return max_in_flight_; }
  // The stages each item passed, in the order it passed them.
  const std::map<uint64_t, std::vector<int>>& path() const { return path_; }

 private:
  struct Task {
    uint64_t item;
    int stage;
    int attempt = 0;
  };

  static SchedulerOptions Options(int budget, const std::vector<StageOptions>& stages) {
    SchedulerOptions o;
    o.slots = budget;
    o.stages = stages;
    return o;
  }
  int Cores(int stage) const {
    return std::min(stages_[static_cast<size_t>(stage)].cores, options_.slots);
  }

  void Queue(uint64_t item, int stage) {
    uint64_t id = ++next_task_;
    tasks_[id] = Task{item, stage};
    Dispatch(ev::TaskQueued{TaskId(id), 1, TaskId(), StageId(stage), stage > 0});
  }

  void Feed() {
    while (fed_ < items_ && scheduler_.WantsTasks()) {
      ++fed_;
      in_flight_.insert(fed_);
      max_in_flight_ = std::max<uint64_t>(max_in_flight_, in_flight_.size());
      Queue(fed_, 0);
    }
    if (fed_ == items_ && !ended_) {
      ended_ = true;
      Dispatch(ev::InputsEnded{});
    }
  }

  void Dispatch(const Event& e) {
    pending_.push_back(e);
    if (dispatching_) return;
    dispatching_ = true;
    while (!pending_.empty()) {
      Event next = pending_.front();
      pending_.pop_front();
      std::vector<Action> actions;
      scheduler_.Handle(next, now_, &actions);
      for (const Action& a : actions) Apply(a);
    }
    dispatching_ = false;
  }

  void Apply(const Action& a) {
    if (const auto* s = std::get_if<act::StartTask>(&a)) {
      Task& t = tasks_.at(s->task.value());
      EXPECT_EQ(s->stage, StageId(t.stage));
      t.attempt = s->attempt;
      cores_used_ += Cores(t.stage);
      max_cores_used_ = std::max(max_cores_used_, cores_used_);
      int& n = running_by_stage_[static_cast<size_t>(t.stage)];
      ++n;
      max_running_by_stage_[static_cast<size_t>(t.stage)] =
          std::max(max_running_by_stage_[static_cast<size_t>(t.stage)], n);
      exits_.insert({now_ + durations_[static_cast<size_t>(t.stage)], s->task.value()});
    } else if (const auto* f = std::get_if<act::TaskFinished>(&a)) {
      const Task t = tasks_.at(f->task.value());
      if (!f->final) return;
      path_[t.item].push_back(t.stage);
      bool last = static_cast<size_t>(t.stage) + 1 == stages_.size();
      if (f->outcome.ok() && !last) {
        Queue(t.item, t.stage + 1);
        return;
      }
      in_flight_.erase(t.item);
      if (f->outcome.ok()) {
        done_.insert(t.item);
        if (first_done_ == 0) first_done_ = now_;
      }
    } else if (const auto* r = std::get_if<act::RunFinished>(&a)) {
      exit_status_ = r->exit_status;
      EXPECT_TRUE(in_flight_.empty()) << "the run finished with items still in the pipeline";
    }
  }

  SchedulerOptions options_;
  Scheduler scheduler_;
  std::vector<StageOptions> stages_;
  std::vector<Nanos> durations_;
  uint64_t items_;
  uint64_t fed_ = 0;
  bool ended_ = false;
  uint64_t next_task_ = 0;
  Nanos now_ = 0;
  Nanos first_done_ = 0;
  int cores_used_ = 0;
  int max_cores_used_ = 0;
  int exit_status_ = -1;
  std::vector<int> running_by_stage_;
  std::vector<int> max_running_by_stage_;
  std::map<uint64_t, Task> tasks_;
  std::set<std::pair<Nanos, uint64_t>> exits_;
  std::set<uint64_t> in_flight_;
  std::set<uint64_t> done_;
  uint64_t max_in_flight_ = 0;
  std::map<uint64_t, std::vector<int>> path_;
  std::deque<Event> pending_;
  bool dispatching_ = false;
};

std::vector<StageOptions> Stages(int n) { return std::vector<StageOptions>(n); }

TEST(SchedulerPipeline, ItemsStreamThroughEveryStageWithinTheBoundAndFlatMemory) {
  const uint64_t kItems = 2000;
  PipelineSim sim(4, Stages(3), {10 * kMs, 30 * kMs, 10 * kMs}, kItems);
  sim.Run();
  EXPECT_EQ(sim.exit_status(), 0);
  EXPECT_EQ(sim.items_done(), kItems);
  for (const auto& [item, stages] : sim.path()) {
    ASSERT_EQ(stages, (std::vector<int>{0, 1, 2})) << "item " << item;
  }
  EXPECT_LE(sim.max_cores_used(), 4);
  // The stages share the cores: the bound is all the work over them.
  const Nanos bound = static_cast<Nanos>(kItems) * 50 * kMs / 4;
  std::fprintf(stderr,
               "pipeline of 3 stages, %llu items: %.4f of the bound, first item at %.1f ms, "
               "at most %llu items in flight\n",
               static_cast<unsigned long long>(kItems),
               static_cast<double>(sim.end()) / static_cast<double>(bound),
               static_cast<double>(sim.first_item_done()) / kMs,
               static_cast<unsigned long long>(sim.max_in_flight()));
  EXPECT_LE(sim.end(), bound * 105 / 100) << "bound " << bound;
  // The first item comes out after one item's path (50 ms), not after a whole stage.
  EXPECT_LE(sim.first_item_done(), 60 * kMs);
  // Items between the stages stay few, however many there are.
  EXPECT_LE(sim.max_in_flight(), 4u * 4);
}

TEST(SchedulerPipeline, AStageWithFixedSlotsNeverRunsMoreAndTheOthersTakeTheRest) {
  std::vector<StageOptions> stages = Stages(2);
  stages[1].slots = 1;
  PipelineSim sim(4, stages, {5 * kMs, 5 * kMs}, 200);
  sim.Run();
  EXPECT_EQ(sim.items_done(), 200u);
  EXPECT_EQ(sim.max_running(1), 1);
  EXPECT_EQ(sim.max_running(0), 4);  // before any item reached the second stage
  EXPECT_LE(sim.max_cores_used(), 4);
}

TEST(SchedulerPipeline, WideTasksHoldTheirCoresAndTheBudgetIsNeverExceeded) {
  std::vector<StageOptions> stages = Stages(3);
  stages[1].cores = 4;
  stages[2].cores = 3;
  PipelineSim sim(8, stages, {7 * kMs, 20 * kMs, 3 * kMs}, 300);
  sim.Run();
  EXPECT_EQ(sim.items_done(), 300u);
  EXPECT_LE(sim.max_cores_used(), 8);
  EXPECT_EQ(sim.max_running(1), 2);
  // Work in core-time over 8 cores, and a little for the cores no task fits in.
  const Nanos bound = 300 * (7 + 4 * 20 + 3 * 3) * kMs / 8;
  EXPECT_LE(sim.end(), bound * 115 / 100) << "bound " << bound;
}

TEST(SchedulerPipeline, AFailureStopsThatItemOnlyAndEachStageHasItsOwnRetries) {
  std::vector<StageOptions> stages = Stages(3);
  stages[1].max_attempts = 2;
  PipelineSim sim(2, stages, {kMs, kMs, kMs}, 20);
  sim.fails = [](uint64_t item, int stage, int attempt) {
    if (stage == 1 && item % 5 == 0) return attempt == 1;  // passes when tried again
    return stage == 2 && item == 7;                        // fails for good
  };
  sim.Run();
  EXPECT_EQ(sim.items_done(), 19u);
  EXPECT_EQ(sim.exit_status(), 1);
  for (const auto& [item, stages_passed] : sim.path()) {
    EXPECT_EQ(stages_passed, (std::vector<int>{0, 1, 2})) << "item " << item;
  }
}

TEST(SchedulerPipeline, AnItemThatFailsAStageGoesNoFurther) {
  PipelineSim sim(2, Stages(3), {kMs, kMs, kMs}, 10);
  sim.fails = [](uint64_t item, int stage, int) { return stage == 0 && item == 3; };
  sim.Run();
  EXPECT_EQ(sim.items_done(), 9u);
  EXPECT_EQ(sim.path().at(3), std::vector<int>{0});
  EXPECT_EQ(sim.exit_status(), 1);
}

// A gather stage: items that passed the stage before wait (ItemParked) until their group
// is queued as one task; the run stays open while any of them waits.
TEST(SchedulerPipeline, ParkedItemsKeepTheRunOpenUntilTheirGroupIsQueued) {
  SchedulerOptions o;
  o.slots = 2;
  o.stages = {StageOptions{}, StageOptions{}};
  Scheduler s(o);
  std::vector<Action> out;
  auto feed = [&](const Event& e) {
    out.clear();
    s.Handle(e, 0, &out);
  };
  feed(ev::TaskQueued{TaskId(1)});
  feed(ev::TaskQueued{TaskId(2)});
  feed(ev::InputsEnded{});
  feed(ev::TaskExited{TaskId(1), Outcome{}});
  feed(ev::ItemParked{});
  feed(ev::TaskExited{TaskId(2), Outcome{}});
  feed(ev::ItemParked{});
  EXPECT_FALSE(s.finished());  // two items wait for their group
  feed(ev::TaskQueued{TaskId(10), 1, TaskId(), StageId(1), false, 2});
  bool started = false;
  for (const Action& a : out) {
    if (const auto* st = std::get_if<act::StartTask>(&a)) started = st->stage == StageId(1);
  }
  EXPECT_TRUE(started);
  feed(ev::TaskExited{TaskId(10), Outcome{}});
  EXPECT_TRUE(s.finished());
  EXPECT_EQ(s.counts().succeeded, 3u);
}

std::vector<TaskId> Started(const std::vector<Action>& out) {
  std::vector<TaskId> started;
  for (const Action& a : out) {
    if (const auto* st = std::get_if<act::StartTask>(&a)) started.push_back(st->task);
  }
  return started;
}

// While the next stage runs nothing, the cores a passing task frees wait for that item's next
// task (the engine queues it at once) instead of going to a new item.
TEST(SchedulerPipeline, AnIdleNextStageGetsThePassingItemsCores) {
  SchedulerOptions o;
  o.slots = 1;
  o.stages = {StageOptions{}, StageOptions{}};
  Scheduler s(o);
  std::vector<Action> out;
  s.Handle(ev::TaskQueued{TaskId(1)}, 0, &out);
  s.Handle(ev::TaskQueued{TaskId(2)}, 0, &out);
  out.clear();
  s.Handle(ev::TaskExited{TaskId(1), Outcome{}}, 0, &out);
  EXPECT_TRUE(Started(out).empty());
  out.clear();
  s.Handle(ev::TaskQueued{TaskId(3), 1, TaskId(), StageId(1), /*moved=*/true}, 0, &out);
  EXPECT_EQ(Started(out), std::vector<TaskId>{TaskId(3)});
}

// A stage with a fixed share and more to do keeps its cores: it may be the bottleneck.
TEST(SchedulerPipeline, AStageWithAFixedShareAndMoreToDoKeepsItsCores) {
  SchedulerOptions o;
  o.slots = 1;
  StageOptions fixed;
  fixed.slots = 1;
  o.stages = {fixed, StageOptions{}};
  Scheduler s(o);
  std::vector<Action> out;
  s.Handle(ev::TaskQueued{TaskId(1)}, 0, &out);
  s.Handle(ev::TaskQueued{TaskId(2)}, 0, &out);
  out.clear();
  s.Handle(ev::TaskExited{TaskId(1), Outcome{}}, 0, &out);
  EXPECT_EQ(Started(out), std::vector<TaskId>{TaskId(2)});
}

TEST(SchedulerPipeline, ADroppedGroupLetsTheRunEnd) {
  SchedulerOptions o;
  o.slots = 2;
  o.stages = {StageOptions{}, StageOptions{}};
  Scheduler s(o);
  std::vector<Action> out;
  s.Handle(ev::TaskQueued{TaskId(1)}, 0, &out);
  s.Handle(ev::TaskQueued{TaskId(2)}, 0, &out);
  s.Handle(ev::InputsEnded{}, 0, &out);
  s.Handle(ev::TaskExited{TaskId(1), Outcome{}}, 0, &out);
  s.Handle(ev::ItemParked{}, 0, &out);
  Outcome failed;
  failed.exit_code = 1;
  s.Handle(ev::TaskExited{TaskId(2), failed}, 0, &out);
  EXPECT_FALSE(s.finished());
  s.Handle(ev::ParkedDropped{1}, 0, &out);
  EXPECT_TRUE(s.finished());
  EXPECT_EQ(s.counts().failed, 1u);
}

// --stage-max: a staging stage's task holds its copy's bytes from its start until the engine
// says its item left (ScratchFreed); the scheduler never starts a copy that would go over.
TEST(SchedulerPipeline, StagingNeverHoldsMoreThanTheScratchCap) {
  SchedulerOptions o;
  o.slots = 2;
  o.scratch_cap = 100;
  StageOptions copy;
  copy.cores = 0;
  copy.slots = 4;
  copy.holds_scratch = true;
  o.stages = {copy, StageOptions{}};
  Scheduler s(o);
  std::vector<Action> out;
  auto feed = [&](const Event& e) {
    out.clear();
    s.Handle(e, 0, &out);
    return Started(out);
  };
  EXPECT_EQ(feed(ev::TaskQueued{TaskId(1), 1, TaskId(), StageId(0), false, 0, 70}),
            std::vector<TaskId>{TaskId(1)});
  EXPECT_TRUE(feed(ev::TaskQueued{TaskId(2), 1, TaskId(), StageId(0), false, 0, 40}).empty());
  feed(ev::TaskExited{TaskId(1), Outcome{}});  // copied: item 1 goes on, its copy stays
  EXPECT_EQ(feed(ev::TaskQueued{TaskId(11), 1, TaskId(), StageId(1), true}),
            std::vector<TaskId>{TaskId(11)});
  EXPECT_TRUE(feed(ev::TimerFired{}).empty());  // item 2's copy still does not fit
  feed(ev::TaskExited{TaskId(11), Outcome{}});
  EXPECT_EQ(feed(ev::ScratchFreed{TaskId(1)}), std::vector<TaskId>{TaskId(2)});
}

}  // namespace
}  // namespace coreflow
