// GPUs as a resource of the run (docs/gpus.md): the pool's allocation, the stage queues that
// wait for it, and a property test of the scheduler over 10,000 tasks of mixed demand.
#include <gtest/gtest.h>

#include <bit>
#include <map>
#include <random>
#include <vector>

#include "schedule/gpu_pool.h"
#include "schedule/scheduler.h"
#include "schedule/stage_queues.h"

namespace coreflow {
namespace {

constexpr int kHalf = kGpuWhole / 2;
constexpr int kQuarter = kGpuWhole / 4;

TEST(GpuPool, WholeDevicesAreTheLowestUntouchedOnes) {
  GpuPool pool(4);
  EXPECT_TRUE(pool.Fits(4 * kGpuWhole));
  EXPECT_FALSE(pool.Fits(5 * kGpuWhole));
  EXPECT_EQ(pool.Take(kGpuWhole), 0b0001u);
  EXPECT_EQ(pool.Take(2 * kGpuWhole), 0b0110u);
  EXPECT_FALSE(pool.Fits(2 * kGpuWhole));
  EXPECT_TRUE(pool.Fits(kGpuWhole));
  pool.Give(0b0110u, 2 * kGpuWhole);
  EXPECT_EQ(pool.free_shares(1), kGpuWhole);
  EXPECT_EQ(pool.free_shares(2), kGpuWhole);
  EXPECT_EQ(pool.free_shares(0), 0);
}

TEST(GpuPool, SharesPackOntoTheFullestDeviceThatHoldsThem) {
  GpuPool pool(2);
  EXPECT_EQ(pool.Take(kQuarter), 0b01u);
  EXPECT_EQ(pool.Take(kHalf), 0b01u);  // device 0 has 3/4 free: it still holds a half
  EXPECT_EQ(pool.Take(kHalf), 0b10u);  // device 0 has a quarter left
  EXPECT_EQ(pool.Take(kQuarter), 0b01u);
  EXPECT_FALSE(pool.Fits(kGpuWhole));  // no device is untouched
  EXPECT_TRUE(pool.Fits(kHalf));
  pool.Give(0b10u, kHalf);
  EXPECT_TRUE(pool.Fits(kGpuWhole));
  EXPECT_EQ(pool.free_shares(1), kGpuWhole);
}

TEST(GpuPool, AskingNothingAlwaysFitsAndHoldsNothing) {
  GpuPool none;
  EXPECT_TRUE(none.Fits(0));
  EXPECT_EQ(none.Take(0), 0u);
  EXPECT_FALSE(none.Fits(kHalf));
  EXPECT_FALSE(none.Fits(kGpuWhole));
}

TEST(GpuPool, ValidAsksAreAShareOfOneDeviceOrWholeDevicesThatExist) {
  EXPECT_TRUE(ValidGpuAsk(0, 0));
  EXPECT_TRUE(ValidGpuAsk(kHalf, 1));
  EXPECT_FALSE(ValidGpuAsk(kHalf, 0));
  EXPECT_TRUE(ValidGpuAsk(2 * kGpuWhole, 2));
  EXPECT_FALSE(ValidGpuAsk(3 * kGpuWhole, 2));
  EXPECT_FALSE(ValidGpuAsk(kGpuWhole + kHalf, 4));  // 1.5 devices: neither
  EXPECT_FALSE(ValidGpuAsk(-1, 4));
}

TEST(GpuStageQueues, AStageWaitingForGpusLetsAnEarlierStageUseTheCores) {
  StageOptions cpu, gpu;
  gpu.gpus = kGpuWhole;
  StageQueues q(4, {cpu, gpu}, 1);
  q.PushBack(StageId(1), TaskId(1));
  q.PushBack(StageId(1), TaskId(2));
  ASSERT_EQ(q.Next(), StageId(1));
  StartedTask first = q.Start(StageId(1));
  EXPECT_EQ(first.gpus, 0b1u);
  q.PushBack(StageId(0), TaskId(3));
  ASSERT_EQ(q.Next(), StageId(0));  // task 2 waits for the one GPU; task 3 needs none
  EXPECT_EQ(q.Start(StageId(0)).gpus, 0u);
  EXPECT_FALSE(q.Next());
  q.Finish(StageId(1), first.slot, first.gpus);
  ASSERT_EQ(q.Next(), StageId(1));
  EXPECT_EQ(q.Start(StageId(1)).gpus, 0b1u);
}

TEST(GpuStageQueues, AWarmWorkersSlotKeepsItsDevicesForTheRun) {
  StageOptions worker;
  worker.gpus = kGpuWhole;
  worker.gpus_per_slot = true;
  StageQueues q(4, {worker}, 2);
  for (uint64_t t = 1; t <= 6; ++t) q.PushBack(StageId(0), TaskId(t));
  StartedTask a = q.Start(StageId(0));
  StartedTask b = q.Start(StageId(0));
  EXPECT_EQ(a.gpus, 0b01u);
  EXPECT_EQ(b.gpus, 0b10u);
  EXPECT_FALSE(q.Next());  // slots 3 and 4 have no device to take
  q.Finish(StageId(0), b.slot, b.gpus);
  EXPECT_EQ(q.gpus().free_shares(1), 0);  // the slot still holds it
  ASSERT_EQ(q.Next(), StageId(0));
  StartedTask c = q.Start(StageId(0));
  EXPECT_EQ(c.slot, b.slot);
  EXPECT_EQ(c.gpus, b.gpus);
}

// The scheduler over 10,000 tasks of mixed demand: 2,000 items through five stages that ask
// for none, a quarter, a half, one and two of four devices, each task running a random time
// on a fake clock, driven as the engine drives it. After every step: no device holds more
// than it has, the pool's count matches what the starts say, and no task that fits waits
// while a device it could use sits idle.
TEST(GpuScheduler, NoDeviceIsOverCommittedAndNoneIdlesWhileATaskThatFitsWaits) {
  const std::vector<int> asks = {0, kQuarter, kHalf, kGpuWhole, 2 * kGpuWhole};
  constexpr int kDevices = 4;
  constexpr int kCores = 16;
  constexpr uint64_t kItems = 2'000;
  SchedulerOptions options;
  options.slots = kCores;
  options.gpu_devices = kDevices;
  for (int ask : asks) {
    StageOptions s;
    s.gpus = ask;
    options.stages.push_back(s);
  }
  Scheduler scheduler(options);
  std::mt19937_64 random(20261207);
  struct Task {
    uint64_t item;
    int stage;
  };
  std::map<uint64_t, Task> tasks;
  std::multimap<Nanos, std::pair<uint64_t, uint64_t>> exits;  // at -> (task, devices)
  std::vector<int> used(kDevices, 0);                         // shares, as the starts say
  std::vector<uint64_t> waiting(asks.size(), 0);
  int running = 0;
  Nanos now = 0;
  uint64_t next_id = 0, items_read = 0, tasks_run = 0, checks_while_waiting = 0;
  std::vector<Action> out;
  auto handle = [&](const Event& e) {
    out.clear();
    scheduler.Handle(e, now, &out);
    for (const Action& a : out) {
      const auto* start = std::get_if<act::StartTask>(&a);
      if (start == nullptr) continue;
      int stage = tasks.at(start->task.value()).stage;
      int ask = asks[static_cast<size_t>(stage)];
      EXPECT_EQ(std::popcount(start->gpus), ask == 0 ? 0 : std::max(1, ask / kGpuWhole));
      for (int d = 0; d < kDevices; ++d) {
        if ((start->gpus >> d & 1) != 0) used[static_cast<size_t>(d)] += std::min(ask, kGpuWhole);
      }
      --waiting[static_cast<size_t>(stage)];
      ++running;
      Nanos runtime = static_cast<Nanos>(1 + random() % 50) * kNanosPerMilli;
      exits.emplace(now + runtime, std::pair{start->task.value(), start->gpus});
    }
  };
  auto queue = [&](uint64_t item, int stage, bool moved) {
    tasks[++next_id] = Task{item, stage};
    ++waiting[static_cast<size_t>(stage)];
    handle(ev::TaskQueued{TaskId(next_id), 1, TaskId(0), StageId(stage), moved});
  };
  auto check = [&] {
    int idle = 0;
    for (int d = 0; d < kDevices; ++d) {
      ASSERT_LE(used[static_cast<size_t>(d)], kGpuWhole) << "device " << d << " over-committed";
      ASSERT_EQ(scheduler.gpus().free_shares(d), kGpuWhole - used[static_cast<size_t>(d)]);
      idle += used[static_cast<size_t>(d)] == 0 ? 1 : 0;
    }
    ASSERT_EQ(running, scheduler.counts().running);
    if (running >= kCores) return;  // every core is busy: waiting is for cores
    for (size_t s = 0; s < asks.size(); ++s) {
      if (waiting[s] == 0) continue;
      ++checks_while_waiting;
      bool fits = asks[s] == 0 || (asks[s] >= kGpuWhole && idle >= asks[s] / kGpuWhole);
      for (int d = 0; asks[s] > 0 && asks[s] < kGpuWhole && d < kDevices; ++d) {
        fits = fits || kGpuWhole - used[static_cast<size_t>(d)] >= asks[s];
      }
      ASSERT_FALSE(fits) << "a task asking " << asks[s] << " shares waits while it fits";
    }
  };
  auto feed = [&] {  // items are read while the scheduler wants them, as the engine does
    while (items_read < kItems && scheduler.WantsTasks()) {
      queue(++items_read, 0, false);
      check();
    }
    if (items_read == kItems && !scheduler.counts().inputs_ended) handle(ev::InputsEnded{});
  };
  feed();
  while (!scheduler.finished()) {
    ASSERT_FALSE(exits.empty()) << "stuck: nothing runs and the run did not finish";
    auto [at, ended] = *exits.begin();
    exits.erase(exits.begin());
    now = at;
    Task t = tasks.at(ended.first);
    int ask = asks[static_cast<size_t>(t.stage)];
    for (int d = 0; d < kDevices; ++d) {
      if ((ended.second >> d & 1) != 0) used[static_cast<size_t>(d)] -= std::min(ask, kGpuWhole);
    }
    --running;
    ++tasks_run;
    handle(ev::TaskExited{TaskId(ended.first), Outcome{}});
    if (t.stage + 1 < static_cast<int>(asks.size())) queue(t.item, t.stage + 1, true);
    check();
    feed();
  }
  EXPECT_EQ(tasks_run, kItems * asks.size());
  EXPECT_EQ(scheduler.counts().succeeded, kItems * asks.size());
  EXPECT_GT(checks_while_waiting, kItems);  // it checked while tasks waited, not only at the end
}

}  // namespace
}  // namespace coreflow
