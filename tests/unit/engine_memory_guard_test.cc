#include "engine/memory_guard.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>

namespace coreflow {
namespace {

constexpr uint64_t kGiB = 1024ull * 1024 * 1024;
constexpr Nanos kMs = kNanosPerMilli;

// A sampler that reports what the test sets, and counts what it was asked.
class FakeSampler : public MemorySampler {
 public:
  void Watch(int pgid) override { watched.insert(pgid); }
  void Unwatch(int pgid) override { watched.erase(pgid); }
  bool SampleGroups(std::unordered_map<int, uint64_t>* rss_by_group) override {
    ++samples;
    rss_by_group->clear();
    if (!proc_readable) return false;
    for (int pgid : watched) {
      if (auto it = rss.find(pgid); it != rss.end()) (*rss_by_group)[pgid] = it->second;
    }
    return true;
  }
  bool MemAvailable(uint64_t* bytes) override {
    ++meminfo_reads;
    if (!meminfo_readable) return false;
    *bytes = available;
    return true;
  }
  uint64_t OomKills(SlotId slot) override { return oom_kills[slot.value()]; }

  std::set<int> watched;
  std::map<int, uint64_t> rss;  // by process group, of those that have processes
  bool proc_readable = true;
  uint64_t available = 64 * kGiB;
  bool meminfo_readable = true;
  std::map<int, uint64_t> oom_kills;  // by slot
  int samples = 0;
  int meminfo_reads = 0;
};

// Starts `task` in `slot` with process group `pgid`, as the engine does.
void Start(MemoryGuard& guard, uint64_t task, int slot, int pgid) {
  guard.TaskStarting(TaskId{task}, SlotId{slot});
  if (guard.samples_rss()) guard.TaskRunning(TaskId{task}, pgid);
}

TEST(MemoryGuardTest, KillsTaskOverItsLimit) {
  FakeSampler sampler;
  MemoryGuard guard(&sampler, MemoryLimits{.per_task = 2 * kGiB});
  Start(guard, 1, 1, 100);
  Start(guard, 2, 2, 200);
  sampler.rss = {{100, 3 * kGiB}, {200, 1 * kGiB}};
  EXPECT_TRUE(guard.Watching(/*tasks_running=*/true));
  MemoryVerdict verdict = guard.Check();
  ASSERT_EQ(verdict.kills.size(), 1u);
  EXPECT_EQ(verdict.kills[0].task, TaskId{1});
  EXPECT_EQ(verdict.kills[0].message,
            "coreflow: task 1 was killed: over memory limit (3.00 GiB resident, --mem-per-task "
            "2.00 GiB)\n");
  // Killed once: a later check before it exits does not kill it again.
  EXPECT_TRUE(guard.Check().kills.empty());
  std::string message;
  EXPECT_TRUE(guard.TaskExited(TaskId{1}, &message));  // its failure says memory ended it
  EXPECT_EQ(message, "");                              // the kill's message said why already
  EXPECT_FALSE(guard.TaskExited(TaskId{2}, &message));
  EXPECT_TRUE(sampler.watched.empty());
}

TEST(MemoryGuardTest, TaskAtOrBelowItsLimitIsNotKilled) {
  FakeSampler sampler;
  MemoryGuard guard(&sampler, MemoryLimits{.per_task = 2 * kGiB});
  Start(guard, 1, 1, 100);
  sampler.rss = {{100, 2 * kGiB}};
  EXPECT_TRUE(guard.Check().kills.empty());
  std::string message;
  EXPECT_FALSE(guard.TaskExited(TaskId{1}, &message));
}

TEST(MemoryGuardTest, NoLimitWatchesNothing) {
  FakeSampler sampler;
  MemoryGuard guard(&sampler, MemoryLimits{});
  EXPECT_FALSE(guard.samples_rss());
  EXPECT_FALSE(guard.Watching(/*tasks_running=*/true));
  Start(guard, 1, 1, 100);
  sampler.rss = {{100, 100 * kGiB}};
  EXPECT_TRUE(guard.Check().kills.empty());
  EXPECT_EQ(sampler.samples, 0);
  EXPECT_EQ(sampler.meminfo_reads, 0);
}

// A pipeline's stage may set its own limit; tasks without one keep the run's (none here).
TEST(MemoryGuardTest, ATasksOwnLimitHoldsItAlone) {
  FakeSampler sampler;
  MemoryGuard guard(&sampler, MemoryLimits{});
  guard.TaskStarting(TaskId{1}, SlotId{1}, 1 * kGiB, /*number=*/7);
  ASSERT_TRUE(guard.samples_rss());
  guard.TaskRunning(TaskId{1}, 100);
  guard.TaskStarting(TaskId{2}, SlotId{1});
  guard.TaskRunning(TaskId{2}, 200);
  sampler.rss = {{100, 2 * kGiB}, {200, 50 * kGiB}};
  EXPECT_TRUE(guard.Watching(/*tasks_running=*/true));
  MemoryVerdict verdict = guard.Check();
  ASSERT_EQ(verdict.kills.size(), 1u);
  EXPECT_EQ(verdict.kills[0].task, TaskId{1});
  EXPECT_NE(verdict.kills[0].message.find("task 7 was killed"), std::string::npos);
  EXPECT_NE(verdict.kills[0].message.find("--mem-per-task 1.00 GiB"), std::string::npos);
}

TEST(MemoryGuardTest, ChecksNoMoreOftenThanItsInterval) {
  FakeSampler sampler;
  MemoryGuard guard(&sampler, MemoryLimits{.per_task = kGiB}, 250 * kMs);
  Start(guard, 1, 1, 100);
  MemoryVerdict verdict;
  EXPECT_TRUE(guard.CheckIfDue(1000 * kMs, &verdict));
  EXPECT_EQ(guard.next_check(), 1250 * kMs);
  EXPECT_FALSE(guard.CheckIfDue(1100 * kMs, &verdict));
  EXPECT_FALSE(guard.CheckIfDue(1249 * kMs, &verdict));
  EXPECT_EQ(sampler.samples, 1);
  sampler.rss = {{100, 2 * kGiB}};
  EXPECT_TRUE(guard.CheckIfDue(1250 * kMs, &verdict));
  EXPECT_EQ(verdict.kills.size(), 1u);
  EXPECT_EQ(sampler.samples, 2);
  EXPECT_EQ(guard.next_check(), 1500 * kMs);
}

TEST(MemoryGuardTest, WatchdogWatchesOnlyWhileTasksRun) {
  FakeSampler sampler;
  MemoryGuard guard(&sampler, MemoryLimits{.per_task = kGiB});
  EXPECT_FALSE(guard.Watching(/*tasks_running=*/false));
  EXPECT_TRUE(guard.Watching(/*tasks_running=*/true));
  MemoryGuard memfree(&sampler, MemoryLimits{.free = kGiB});
  EXPECT_TRUE(memfree.Watching(/*tasks_running=*/false));
}

TEST(MemoryGuardTest, LowMemoryBlocksStartsAndClearsAgain) {
  FakeSampler sampler;
  MemoryGuard guard(&sampler, MemoryLimits{.free = 4 * kGiB});
  sampler.available = 3 * kGiB;
  MemoryVerdict verdict = guard.Check();
  ASSERT_TRUE(verdict.low.has_value());
  EXPECT_TRUE(*verdict.low);
  EXPECT_FALSE(verdict.critical);
  EXPECT_EQ(verdict.message,
            "coreflow: waiting to start tasks: 3.00 GiB available, --memfree 4.00 GiB\n");
  EXPECT_TRUE(guard.memory_low());
  // Still low: nothing new to say or do.
  verdict = guard.Check();
  EXPECT_FALSE(verdict.low.has_value());
  EXPECT_EQ(verdict.message, "");
  sampler.available = 5 * kGiB;
  verdict = guard.Check();
  ASSERT_TRUE(verdict.low.has_value());
  EXPECT_FALSE(*verdict.low);
  EXPECT_EQ(verdict.message, "");
  EXPECT_FALSE(guard.memory_low());
}

TEST(MemoryGuardTest, BelowHalfOfMemfreeIsCritical) {
  FakeSampler sampler;
  MemoryGuard guard(&sampler, MemoryLimits{.free = 4 * kGiB});
  sampler.available = 2 * kGiB - 1;
  MemoryVerdict verdict = guard.Check();
  EXPECT_TRUE(verdict.critical);
  EXPECT_TRUE(guard.Check().critical);  // on every check while it lasts
  sampler.available = 2 * kGiB;
  EXPECT_FALSE(guard.Check().critical);
}

TEST(MemoryGuardTest, UnreadableMeminfoChangesNothing) {
  FakeSampler sampler;
  MemoryGuard guard(&sampler, MemoryLimits{.free = 4 * kGiB});
  sampler.available = kGiB;
  guard.Check();
  sampler.meminfo_readable = false;
  MemoryVerdict verdict = guard.Check();
  EXPECT_FALSE(verdict.low.has_value());
  EXPECT_FALSE(verdict.critical);
  EXPECT_TRUE(guard.memory_low());
}

TEST(MemoryGuardTest, UnreadableProcKillsNothingAndKeepsTheLastTotal) {
  FakeSampler sampler;
  MemoryGuard guard(&sampler, MemoryLimits{.per_task = kGiB, .free = kGiB});
  Start(guard, 1, 1, 100);
  sampler.rss = {{100, kGiB / 2}};
  guard.Check();
  EXPECT_TRUE(guard.rss_known());
  EXPECT_EQ(guard.running_rss(), kGiB / 2);
  sampler.proc_readable = false;
  sampler.rss = {{100, 5 * kGiB}};
  MemoryVerdict verdict = guard.Check();
  EXPECT_TRUE(verdict.kills.empty());
  EXPECT_EQ(guard.running_rss(), kGiB / 2);
  EXPECT_EQ(sampler.meminfo_reads, 2);  // --memfree is still checked
}

TEST(MemoryGuardTest, TotalsSumEveryRunningGroup) {
  FakeSampler sampler;
  MemoryGuard guard(&sampler, MemoryLimits{.per_task = 10 * kGiB});
  EXPECT_FALSE(guard.rss_known());
  Start(guard, 1, 1, 100);
  Start(guard, 2, 2, 200);
  Start(guard, 3, 3, 300);
  sampler.rss = {{100, 1 * kGiB}, {200, 2 * kGiB}};  // group 300 has no process left
  guard.Check();
  EXPECT_TRUE(guard.rss_known());
  EXPECT_EQ(guard.running_rss(), 3 * kGiB);
  std::string message;
  guard.TaskExited(TaskId{2}, &message);
  guard.Check();
  EXPECT_EQ(guard.running_rss(), 1 * kGiB);
}

TEST(MemoryGuardTest, ObserversGetSamplesWithoutALimit) {
  FakeSampler sampler;
  MemoryGuard guard(&sampler, MemoryLimits{});
  guard.ObserveRss();
  EXPECT_TRUE(guard.samples_rss());
  Start(guard, 1, 1, 100);
  sampler.rss = {{100, 7 * kGiB}};
  guard.SampleForObservers();
  EXPECT_EQ(guard.running_rss(), 7 * kGiB);
  EXPECT_TRUE(guard.Check().kills.empty());
}

TEST(MemoryGuardTest, ObserversDoNotSampleTwiceWhileTheWatchdogRuns) {
  FakeSampler sampler;
  MemoryGuard guard(&sampler, MemoryLimits{.per_task = kGiB});
  guard.ObserveRss();
  Start(guard, 1, 1, 100);
  guard.SampleForObservers();
  EXPECT_EQ(sampler.samples, 0);
}

TEST(MemoryGuardTest, KernelOomKillInTheSlotCgroupIsReported) {
  FakeSampler sampler;
  MemoryGuard guard(&sampler, MemoryLimits{.per_task = 2 * kGiB});
  guard.EnforceInKernel("/sys/fs/cgroup/job/coreflow.42");
  EXPECT_FALSE(guard.Watching(/*tasks_running=*/true));  // the kernel enforces, no watchdog
  sampler.oom_kills[3] = 5;                              // earlier tasks in slot 3
  Start(guard, 9, 3, 900);
  Start(guard, 10, 4, 1000);
  sampler.rss = {{900, 3 * kGiB}};
  EXPECT_TRUE(guard.Check().kills.empty());
  sampler.oom_kills[3] = 6;
  std::string message;
  EXPECT_TRUE(guard.TaskExited(TaskId{9}, &message));
  EXPECT_EQ(message,
            "coreflow: task 9 was killed: over memory limit (--mem-per-task 2.00 GiB, enforced "
            "by the kernel in cgroup /sys/fs/cgroup/job/coreflow.42/slot-3)\n");
  message.clear();
  EXPECT_FALSE(guard.TaskExited(TaskId{10}, &message));
  EXPECT_EQ(message, "");
}

TEST(MemoryGuardTest, TaskThatNeverStartedIsForgotten) {
  FakeSampler sampler;
  MemoryGuard guard(&sampler, MemoryLimits{.per_task = kGiB});
  guard.EnforceInKernel("cg");
  guard.TaskStarting(TaskId{1}, SlotId{1});
  guard.TaskNotStarted(TaskId{1});
  sampler.oom_kills[1] = 1;
  std::string message;
  EXPECT_FALSE(guard.TaskExited(TaskId{1}, &message));
  EXPECT_EQ(message, "");
}

}  // namespace
}  // namespace coreflow
