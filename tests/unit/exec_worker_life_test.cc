#include "exec/worker_life.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <vector>

namespace coreflow {
namespace worker_life {
namespace {

constexpr Nanos kSec = kNanosPerSecond;

Policy TestPolicy() {
  Policy p;
  p.start_timeout = 10 * kSec;
  p.term_grace = 2 * kSec;
  p.max_tasks = 0;
  p.max_rss = 0;
  return p;
}

std::vector<Action> Feed(WorkerLife& life, const Event& event) {
  std::vector<Action> actions;
  life.Handle(event, &actions);
  return actions;
}

template <typename A>
bool Has(const std::vector<Action>& actions) {
  for (const Action& a : actions) {
    if (std::holds_alternative<A>(a)) return true;
  }
  return false;
}

// A worker taken to Ready at 100 s (spawned at 100 s, ready at 101 s).
WorkerLife ReadyWorker(Policy policy = TestPolicy(), Shape shape = {}) {
  WorkerLife life(policy, shape, 100 * kSec);
  Feed(life, Spawned{100 * kSec});
  Feed(life, SaidReady{101 * kSec});
  return life;
}

TEST(WorkerLife, DelayedWorkerStartsWhenItsBackoffIsOver) {
  WorkerLife life(TestPolicy(), {}, 5 * kSec);
  EXPECT_TRUE(life.Is<Delayed>());
  EXPECT_EQ(life.Deadline(), 5 * kSec);
  EXPECT_TRUE(Feed(life, TimerFired{4 * kSec}).empty());
  auto actions = Feed(life, TimerFired{5 * kSec});
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<StartProcess>(actions[0]));
  EXPECT_TRUE(life.Is<Delayed>());  // until the process is really started
  Feed(life, Spawned{6 * kSec});
  EXPECT_TRUE(life.Is<Starting>());
  EXPECT_EQ(life.Deadline(), 16 * kSec);  // the start time-out
}

TEST(WorkerLife, ReadyLineAnnouncesItWithItsStartupTime) {
  WorkerLife life(TestPolicy(), {}, 0);
  Feed(life, Spawned{10 * kSec});
  auto actions = Feed(life, SaidReady{13 * kSec});
  ASSERT_EQ(actions.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<AnnounceReady>(actions[0]));
  EXPECT_EQ(std::get<AnnounceReady>(actions[0]).startup, 3 * kSec);
  EXPECT_TRUE(life.Is<Ready>());
  EXPECT_EQ(life.Deadline(), 0);  // an idle worker needs no timer
}

TEST(WorkerLife, ASecondReadyLineKillsIt) {
  WorkerLife life = ReadyWorker();
  auto actions = Feed(life, SaidReady{102 * kSec});
  ASSERT_EQ(actions.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<Kill>(actions[0]));
  EXPECT_EQ(std::get<Kill>(actions[0]).why, Kill::Why::kSecondReadyLine);
  EXPECT_TRUE(life.Is<Ready>());
}

TEST(WorkerLife, NotReadyInTimeIsKilled) {
  WorkerLife life(TestPolicy(), {}, 0);
  Feed(life, Spawned{10 * kSec});
  EXPECT_TRUE(Feed(life, TimerFired{19 * kSec}).empty());
  auto actions = Feed(life, TimerFired{20 * kSec});
  ASSERT_EQ(actions.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<Kill>(actions[0]));
  EXPECT_EQ(std::get<Kill>(actions[0]).why, Kill::Why::kNotReadyInTime);
}

TEST(WorkerLife, TaskGoesReadyBusyReady) {
  WorkerLife life = ReadyWorker();
  EXPECT_TRUE(Feed(life, RequestSent{110 * kSec}).empty());
  EXPECT_TRUE(life.Is<Busy>());
  EXPECT_EQ(life.began(), 110 * kSec);
  EXPECT_TRUE(Feed(life, Answered{111 * kSec, 0}).empty());
  EXPECT_TRUE(life.Is<Ready>());
  EXPECT_EQ(life.tasks_done(), 1u);
  EXPECT_EQ(life.began(), 0);
}

TEST(WorkerLife, RecycledAfterMaxTasks) {
  Policy p = TestPolicy();
  p.max_tasks = 2;
  WorkerLife life = ReadyWorker(p);
  Feed(life, RequestSent{110 * kSec});
  EXPECT_FALSE(Has<CloseStdin>(Feed(life, Answered{111 * kSec, 0})));
  EXPECT_TRUE(life.Is<Ready>());
  Feed(life, RequestSent{112 * kSec});
  EXPECT_TRUE(Has<CloseStdin>(Feed(life, Answered{113 * kSec, 0})));
  EXPECT_TRUE(life.Is<Retiring>());
  EXPECT_EQ(life.Deadline(), 115 * kSec);  // the grace, then SIGTERM
}

TEST(WorkerLife, RecycledWhenItsMemoryGrewTooBig) {
  Policy p = TestPolicy();
  p.max_rss = 1000;
  WorkerLife life = ReadyWorker(p);
  Feed(life, RequestSent{110 * kSec});
  EXPECT_FALSE(Has<CloseStdin>(Feed(life, Answered{111 * kSec, 1000})));
  Feed(life, RequestSent{112 * kSec});
  EXPECT_TRUE(Has<CloseStdin>(Feed(life, Answered{113 * kSec, 1001})));
  EXPECT_TRUE(life.Is<Retiring>());
}

TEST(WorkerLife, RecycledWhenTheThreadCountChanges) {
  WorkerLife life = ReadyWorker(TestPolicy(), Shape{4, {}});
  EXPECT_TRUE(Feed(life, TaskOffered{110 * kSec, Shape{4, {}}}).empty());
  EXPECT_TRUE(life.Is<Ready>());
  EXPECT_TRUE(Has<CloseStdin>(Feed(life, TaskOffered{111 * kSec, Shape{8, {}}})));
  EXPECT_TRUE(life.Is<Retiring>());
}

TEST(WorkerLife, RecycledWhenItsCpusChange) {
  CpuMask cpus({0});
  WorkerLife life = ReadyWorker(TestPolicy(), Shape{1, cpus});
  EXPECT_TRUE(Feed(life, TaskOffered{110 * kSec, Shape{1, cpus}}).empty());
  EXPECT_TRUE(Has<CloseStdin>(Feed(life, TaskOffered{111 * kSec, Shape{1, {}}})));
}

TEST(WorkerLife, OnlyAnIdleWorkerIsRecycledByAnOffer) {
  WorkerLife life = ReadyWorker(TestPolicy(), Shape{4, {}});
  Feed(life, RequestSent{110 * kSec});
  EXPECT_TRUE(Feed(life, TaskOffered{111 * kSec, Shape{8, {}}}).empty());
  EXPECT_TRUE(life.Is<Busy>());
}

TEST(WorkerLife, DroppedSlotRetiresAnIdleWorkerOnly) {
  WorkerLife busy = ReadyWorker();
  Feed(busy, RequestSent{110 * kSec});
  EXPECT_TRUE(Feed(busy, SlotDropped{111 * kSec}).empty());
  EXPECT_TRUE(busy.Is<Busy>());
  WorkerLife idle = ReadyWorker();
  EXPECT_TRUE(Has<CloseStdin>(Feed(idle, SlotDropped{111 * kSec})));
  EXPECT_TRUE(idle.Is<Retiring>());
}

TEST(WorkerLife, RetiringWorkerGetsSigtermThenSigkill) {
  WorkerLife life = ReadyWorker();
  Feed(life, SlotDropped{110 * kSec});
  EXPECT_TRUE(Feed(life, TimerFired{111 * kSec}).empty());
  auto term = Feed(life, TimerFired{112 * kSec});
  ASSERT_EQ(term.size(), 1u);
  EXPECT_EQ(std::get<SendSignal>(term[0]).signal, SIGTERM);
  EXPECT_EQ(life.Deadline(), 114 * kSec);
  auto kill = Feed(life, TimerFired{114 * kSec});
  ASSERT_EQ(kill.size(), 1u);
  EXPECT_EQ(std::get<SendSignal>(kill[0]).signal, SIGKILL);
  EXPECT_EQ(life.Deadline(), 0);
  EXPECT_TRUE(Feed(life, TimerFired{200 * kSec}).empty());
}

TEST(WorkerLife, RetiredWorkerExitingIsNoCrash) {
  WorkerLife life = ReadyWorker();
  Feed(life, SlotDropped{110 * kSec});
  EXPECT_TRUE(Feed(life, Exited{false}).empty());
  EXPECT_TRUE(life.Is<Gone>());
}

TEST(WorkerLife, IdleWorkerDyingBacksOffAndLosesNothing) {
  WorkerLife life = ReadyWorker();
  auto actions = Feed(life, Exited{false});
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<GrowBackoff>(actions[0]));
  EXPECT_TRUE(life.Is<Gone>());
}

TEST(WorkerLife, DeathWhileBusyFailsTheTask) {
  WorkerLife life = ReadyWorker();
  Feed(life, RequestSent{110 * kSec});
  auto actions = Feed(life, Exited{false});
  EXPECT_TRUE(Has<GrowBackoff>(actions));
  EXPECT_TRUE(Has<FailRunningTask>(actions));
  EXPECT_TRUE(life.Is<Gone>());
}

TEST(WorkerLife, SignalledByTheRunWhileBusyFailsTheTaskWithoutBackoff) {
  WorkerLife life = ReadyWorker();
  Feed(life, RequestSent{110 * kSec});
  auto actions = Feed(life, Exited{true});
  EXPECT_FALSE(Has<GrowBackoff>(actions));
  EXPECT_TRUE(Has<FailRunningTask>(actions));
}

TEST(WorkerLife, DeathBeforeReadyIsAFailedStart) {
  WorkerLife life(TestPolicy(), {}, 0);
  Feed(life, Spawned{1 * kSec});
  auto actions = Feed(life, Exited{false});
  EXPECT_TRUE(Has<GrowBackoff>(actions));
  EXPECT_TRUE(Has<CountFailedStart>(actions));
  EXPECT_FALSE(Has<FailStoppedTask>(actions));
}

TEST(WorkerLife, StoppedByTheRunBeforeReadyEndsItsTask) {
  WorkerLife life(TestPolicy(), {}, 0);
  Feed(life, Spawned{1 * kSec});
  auto actions = Feed(life, Exited{true});
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<FailStoppedTask>(actions[0]));
}

TEST(Restarts, BackoffDoublesUpToTheMaxAndResetsAfterATask) {
  Restarts r(3);
  EXPECT_EQ(r.Backoff(1), 0);
  r.OnCrash(1);
  EXPECT_EQ(r.Backoff(1), Restarts::kMinBackoff);
  r.OnCrash(1);
  EXPECT_EQ(r.Backoff(1), 2 * Restarts::kMinBackoff);
  EXPECT_EQ(r.Backoff(2), 0);  // per slot
  for (int i = 0; i < 20; ++i) r.OnCrash(1);
  EXPECT_EQ(r.Backoff(1), Restarts::kMaxBackoff);
  r.OnTaskDone(1);
  EXPECT_EQ(r.Backoff(1), 0);
  r.OnCrash(1);
  EXPECT_EQ(r.Backoff(1), Restarts::kMinBackoff);
}

TEST(Restarts, GivesUpAfterTooManyFailedStartsInARow) {
  Restarts r(3);
  EXPECT_FALSE(r.OnFailedStart());
  EXPECT_FALSE(r.OnFailedStart());
  r.OnReady();  // a worker got ready: the count starts over
  EXPECT_EQ(r.failed_starts(), 0);
  EXPECT_FALSE(r.OnFailedStart());
  EXPECT_FALSE(r.OnFailedStart());
  EXPECT_TRUE(r.OnFailedStart());
  EXPECT_EQ(r.failed_starts(), 3);
}

}  // namespace
}  // namespace worker_life
}  // namespace coreflow
