#include "schedule/scheduler.h"

#include <signal.h>

#include <algorithm>
#include <numeric>

#include <gtest/gtest.h>

#include "scheduler_sim.h"

namespace coreflow {
namespace {

using sim::Exit;
using sim::Ok;
using sim::Simulation;
using sim::TaskScript;

constexpr Nanos kMs = kNanosPerMilli;
constexpr Nanos kSec = kNanosPerSecond;

SchedulerOptions Slots(int n) {
  SchedulerOptions o;
  o.slots = n;
  return o;
}

// Event-level helpers for the tests that check exact actions.
std::vector<Action> Feed(Scheduler& s, const Event& e, Nanos now) {
  std::vector<Action> out;
  s.Handle(e, now, &out);
  return out;
}

template <typename T>
std::vector<T> Only(const std::vector<Action>& actions) {
  std::vector<T> out;
  for (const Action& a : actions) {
    if (const T* t = std::get_if<T>(&a)) out.push_back(*t);
  }
  return out;
}

TEST(Scheduler, StartsUpToCapacityInInputOrder) {
  Scheduler s(Slots(2));
  EXPECT_TRUE(s.WantsTasks());
  auto a1 = Feed(s, ev::TaskQueued{TaskId(1)}, 0);
  auto a2 = Feed(s, ev::TaskQueued{TaskId(2)}, 0);
  auto a3 = Feed(s, ev::TaskQueued{TaskId(3)}, 0);
  ASSERT_EQ(Only<act::StartTask>(a1).size(), 1u);
  EXPECT_EQ(Only<act::StartTask>(a1)[0].slot, SlotId(1));
  ASSERT_EQ(Only<act::StartTask>(a2).size(), 1u);
  EXPECT_EQ(Only<act::StartTask>(a2)[0].slot, SlotId(2));
  EXPECT_TRUE(Only<act::StartTask>(a3).empty());  // both slots busy
  auto a4 = Feed(s, ev::TaskExited{TaskId(1), Outcome{}}, 5);
  auto starts = Only<act::StartTask>(a4);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].task, TaskId(3));
  EXPECT_EQ(starts[0].slot, SlotId(1));  // the slot task 1 freed
  EXPECT_EQ(starts[0].attempt, 1);
}

TEST(Scheduler, KeepsOnlyASmallLookahead) {
  Scheduler s(Slots(3));
  int fed = 0;
  std::vector<Action> out;
  while (s.WantsTasks() && fed < 100)
    s.Handle(ev::TaskQueued{TaskId(static_cast<uint64_t>(++fed))}, 0, &out);
  EXPECT_EQ(fed, 6);  // 3 running + 3 queued: the input is streamed, not slurped
}

TEST(Scheduler, FinishesWithNoInputs) {
  Scheduler s(Slots(4));
  auto out = Feed(s, ev::InputsEnded{}, 0);
  auto done = Only<act::RunFinished>(out);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].exit_status, 0);
  EXPECT_TRUE(s.finished());
}

TEST(Scheduler, CapacityIsNeverExceeded) {
  for (int slots : {1, 2, 3, 7, 16}) {
    Simulation sim(Slots(slots), 200,
                   [](uint64_t seq, int) { return Ok((seq * 7919 % 13 + 1) * kMs); });
    sim.Run();
    EXPECT_EQ(sim.max_running(), slots);
    EXPECT_EQ(sim.exit_status(), 0);
    EXPECT_EQ(sim.finished().size(), 200u);
  }
}

TEST(Scheduler, EveryTaskFinishesExactlyOnce) {
  Simulation sim(Slots(5), 500, [](uint64_t seq, int) {
    return seq % 10 == 0 ? Exit(3 * kMs, 1) : Ok((seq % 4 + 1) * kMs);
  });
  sim.Run();
  auto counts = sim.FinalCount();
  ASSERT_EQ(counts.size(), 500u);
  for (const auto& [seq, n] : counts) EXPECT_EQ(n, 1) << "task " << seq;
  EXPECT_EQ(sim.exit_status(), 50);  // 50 failures
  EXPECT_EQ(sim.released().size(), 500u);
}

TEST(Scheduler, ExitStatusCapsAt101) {
  Simulation sim(Slots(8), 150, [](uint64_t, int) { return Exit(kMs, 1); });
  sim.Run();
  EXPECT_EQ(sim.exit_status(), 101);
}

TEST(Scheduler, KeepOrderReleasesInInputOrder) {
  SchedulerOptions o = Slots(4);
  o.keep_order = true;
  // Later tasks finish first.
  Simulation sim(o, 40, [](uint64_t seq, int) { return Ok((100 - seq) * kMs); });
  sim.Run();
  std::vector<uint64_t> expected(40);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(sim.released(), expected);
}

TEST(Scheduler, WithoutKeepOrderReleasesOnCompletion) {
  Simulation sim(Slots(4), 4, [](uint64_t seq, int) { return Ok((10 - seq) * kMs); });
  sim.Run();
  EXPECT_EQ(sim.released(), (std::vector<uint64_t>{4, 3, 2, 1}));
}

TEST(Scheduler, TimeoutSendsTermThenKillAfterGrace) {
  SchedulerOptions o = Slots(1);
  o.timeout = 1 * kSec;
  o.term_grace = 2 * kSec;
  Scheduler s(o);
  auto out = Feed(s, ev::TaskQueued{TaskId(1)}, 0);
  auto timers = Only<act::ArmTimer>(out);
  ASSERT_FALSE(timers.empty());
  EXPECT_EQ(timers.back().at, 1 * kSec);
  out = Feed(s, ev::TimerFired{}, 1 * kSec);
  auto sigs = Only<act::SignalTask>(out);
  ASSERT_EQ(sigs.size(), 1u);
  EXPECT_EQ(sigs[0].signal, SIGTERM);
  EXPECT_EQ(Only<act::ArmTimer>(out).back().at, 3 * kSec);
  out = Feed(s, ev::TimerFired{}, 3 * kSec);
  sigs = Only<act::SignalTask>(out);
  ASSERT_EQ(sigs.size(), 1u);
  EXPECT_EQ(sigs[0].signal, SIGKILL);
  out = Feed(s, ev::TaskExited{TaskId(1), Outcome{0, SIGKILL, false}}, 3 * kSec + kMs);
  auto fin = Only<act::TaskFinished>(out);
  ASSERT_EQ(fin.size(), 1u);
  EXPECT_TRUE(fin[0].outcome.timed_out);
  EXPECT_TRUE(fin[0].final);
  out = Feed(s, ev::InputsEnded{}, 3 * kSec + kMs);
  ASSERT_EQ(Only<act::RunFinished>(out).size(), 1u);
  EXPECT_EQ(Only<act::RunFinished>(out)[0].exit_status, 1);
}

TEST(Scheduler, TimeoutNotTriggeredForFastTasks) {
  SchedulerOptions o = Slots(2);
  o.timeout = 10 * kMs;
  Simulation sim(o, 50, [](uint64_t, int) { return Ok(9 * kMs); });
  sim.Run();
  EXPECT_TRUE(sim.signals().empty());
  EXPECT_EQ(sim.exit_status(), 0);
}

TEST(Scheduler, TimeoutKillsOnlySlowTasks) {
  SchedulerOptions o = Slots(3);
  o.timeout = 50 * kMs;
  o.term_grace = 20 * kMs;
  Simulation sim(o, 30, [](uint64_t seq, int) {
    TaskScript t = Ok(seq % 5 == 0 ? 10 * kSec : 5 * kMs);
    t.ignores_term = seq == 10;  // this one needs the SIGKILL
    return t;
  });
  sim.Run();
  EXPECT_EQ(sim.exit_status(), 6);
  int terms = 0, kills = 0;
  for (const auto& s : sim.signals()) {
    terms += s.signal == SIGTERM;
    kills += s.signal == SIGKILL;
    if (s.signal == SIGKILL) {
      EXPECT_EQ(s.task, TaskId(10));
    }
  }
  EXPECT_EQ(terms, 6);
  EXPECT_EQ(kills, 1);
  for (const auto& f : sim.finished()) EXPECT_EQ(f.outcome.timed_out, f.task.value() % 5 == 0);
  EXPECT_LT(sim.now(), 1 * kSec);  // nobody waited for the 10 s tasks
}

TEST(Scheduler, ZeroGraceKillsAtOnce) {
  SchedulerOptions o = Slots(1);
  o.timeout = kSec;
  o.term_grace = 0;
  Scheduler s(o);
  Feed(s, ev::TaskQueued{TaskId(1)}, 0);
  auto sigs = Only<act::SignalTask>(Feed(s, ev::TimerFired{}, kSec));
  ASSERT_EQ(sigs.size(), 1u);
  EXPECT_EQ(sigs[0].signal, SIGKILL);
}

TEST(Scheduler, RetriesUntilSuccessAndReportsEveryAttempt) {
  SchedulerOptions o = Slots(2);
  o.max_attempts = 3;
  // Task 1 fails twice then succeeds; task 2 always fails.
  Simulation sim(o, 3, [](uint64_t seq, int attempt) {
    if (seq == 1) return attempt < 3 ? Exit(kMs, 1) : Ok(kMs);
    if (seq == 2) return Exit(kMs, 7);
    return Ok(kMs);
  });
  sim.Run();
  int attempts1 = 0, attempts2 = 0;
  for (const auto& f : sim.finished()) {
    if (f.task == TaskId(1)) {
      ++attempts1;
      EXPECT_EQ(f.final, f.attempt == 3);
    }
    if (f.task == TaskId(2)) {
      ++attempts2;
      EXPECT_EQ(f.final, f.attempt == 3);
    }
  }
  EXPECT_EQ(attempts1, 3);
  EXPECT_EQ(attempts2, 3);
  EXPECT_EQ(sim.exit_status(), 1);
  EXPECT_EQ(sim.scheduler().counts().retried, 4u);
  // A retry goes before tasks that never started.
  EXPECT_EQ(sim.starts()[2].task, TaskId(1));
  EXPECT_EQ(sim.starts()[2].attempt, 2);
}

TEST(Scheduler, RetriesZeroMeansUntilSuccess) {
  SchedulerOptions o = Slots(1);
  o.max_attempts = 0;
  Simulation sim(o, 1, [](uint64_t, int attempt) { return attempt < 25 ? Exit(kMs, 1) : Ok(kMs); });
  sim.Run();
  EXPECT_EQ(sim.finished().size(), 25u);
  EXPECT_EQ(sim.exit_status(), 0);
}

TEST(Scheduler, KeepOrderWithRetries) {
  SchedulerOptions o = Slots(3);
  o.keep_order = true;
  o.max_attempts = 2;
  Simulation sim(o, 12, [](uint64_t seq, int attempt) {
    return seq % 3 == 0 && attempt == 1 ? Exit(kMs, 1) : Ok((13 - seq) * kMs);
  });
  sim.Run();
  std::vector<uint64_t> expected(12);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(sim.released(), expected);
  EXPECT_EQ(sim.exit_status(), 0);
}

HaltPolicy Halt(const char* text) {
  HaltPolicy h;
  std::string err;
  EXPECT_TRUE(ParseHaltPolicy(text, &h, &err)) << err;
  return h;
}

TEST(Scheduler, HaltNowFailOneKillsRunningAndReturnsTheFailingStatus) {
  SchedulerOptions o = Slots(3);
  o.halt = Halt("now,fail=1");
  Simulation sim(o, 20,
                 [](uint64_t seq, int) { return seq == 2 ? Exit(5 * kMs, 42) : Ok(50 * kMs); });
  sim.Run();
  EXPECT_EQ(sim.exit_status(), 42);
  // Tasks 1 and 3 were running and got SIGTERM; nothing after them started.
  ASSERT_EQ(sim.signals().size(), 2u);
  EXPECT_EQ(sim.signals()[0].signal, SIGTERM);
  EXPECT_EQ(sim.starts().size(), 3u);
}

TEST(Scheduler, HaltNowFailOneBySignalIs128PlusSignal) {
  SchedulerOptions o = Slots(1);
  o.halt = Halt("now,fail=1");
  Simulation sim(o, 3, [](uint64_t, int) {
    return TaskScript{kMs, Outcome{0, SIGSEGV, false}, false};
  });
  sim.Run();
  EXPECT_EQ(sim.exit_status(), 128 + SIGSEGV);
}

TEST(Scheduler, HaltSoonFailNLetsRunningTasksFinish) {
  SchedulerOptions o = Slots(2);
  o.halt = Halt("soon,fail=2");
  Simulation sim(o, 10, [](uint64_t seq, int) { return seq <= 2 ? Exit(kMs, 1) : Ok(10 * kMs); });
  sim.Run();
  // Task 1 fails first and frees its slot for task 3 before task 2's failure halts the run;
  // task 3 then runs to its end unharmed.
  EXPECT_TRUE(sim.signals().empty());
  EXPECT_EQ(sim.exit_status(), 2);
  EXPECT_EQ(sim.starts().size(), 3u);
  EXPECT_EQ(sim.finished().size(), 3u);
  EXPECT_TRUE(sim.finished().back().outcome.ok());
}

TEST(Scheduler, HaltSoonWaitsForRunningTasks) {
  SchedulerOptions o = Slots(3);
  o.halt = Halt("soon,fail=1");
  Simulation sim(o, 10, [](uint64_t seq, int) { return seq == 1 ? Exit(kMs, 9) : Ok(100 * kMs); });
  sim.Run();
  EXPECT_TRUE(sim.signals().empty());
  EXPECT_EQ(sim.starts().size(), 3u);
  EXPECT_EQ(sim.finished().size(), 3u);  // the two running ones ended on their own
  EXPECT_EQ(sim.exit_status(), 9);
}

TEST(Scheduler, HaltNowSuccessOne) {
  SchedulerOptions o = Slots(2);
  o.halt = Halt("now,success=1");
  Simulation sim(o, 10, [](uint64_t seq, int) { return seq == 1 ? Exit(kMs, 3) : Ok(5 * kMs); });
  sim.Run();
  EXPECT_EQ(sim.exit_status(), 0);
  EXPECT_LT(sim.starts().size(), 10u);
}

TEST(Scheduler, HaltDone) {
  SchedulerOptions o = Slots(1);
  o.halt = Halt("now,done=2");
  Simulation sim(o, 10, [](uint64_t seq, int) { return seq == 2 ? Exit(kMs, 1) : Ok(kMs); });
  sim.Run();
  EXPECT_EQ(sim.starts().size(), 2u);
  EXPECT_EQ(sim.exit_status(), 1);
}

TEST(Scheduler, HaltPercentUsesTheTotal) {
  // 2 of 10 failed = 20% < 30%: never halts; exit status is then the percentage failed.
  SchedulerOptions o = Slots(1);
  o.halt = Halt("soon,fail=30%");
  o.read_all_inputs = true;
  Simulation sim(o, 10,
                 [](uint64_t seq, int) { return seq == 5 || seq == 6 ? Exit(kMs, 1) : Ok(kMs); });
  sim.Run();
  EXPECT_EQ(sim.starts().size(), 10u);
  EXPECT_EQ(sim.exit_status(), 20);
}

TEST(Scheduler, HaltPercentTriggers) {
  SchedulerOptions o = Slots(1);
  o.halt = Halt("soon,fail=20%");
  o.read_all_inputs = true;
  Simulation sim(o, 10, [](uint64_t seq, int) { return seq <= 2 ? Exit(kMs, 1) : Ok(kMs); });
  sim.Run();
  EXPECT_EQ(sim.starts().size(), 2u);
  EXPECT_EQ(sim.exit_status(), 20);
}

TEST(Scheduler, InterruptTerminatesThenKillsAfterGrace) {
  SchedulerOptions o = Slots(2);
  o.term_grace = 2 * kSec;
  Simulation sim(o, 10, [](uint64_t seq, int) {
    TaskScript t = Ok(100 * kSec);
    t.ignores_term = seq == 2;
    return t;
  });
  sim.InterruptAt(5 * kSec);
  sim.Run();
  EXPECT_EQ(sim.exit_status(), 130);
  ASSERT_EQ(sim.signals().size(), 3u);  // TERM 1, TERM 2, KILL 2
  EXPECT_EQ(sim.signals()[2].task, TaskId(2));
  EXPECT_EQ(sim.signals()[2].signal, SIGKILL);
  EXPECT_LT(sim.now(), 8 * kSec);
  EXPECT_EQ(sim.starts().size(), 2u);
}

TEST(Scheduler, SecondInterruptKillsAtOnce) {
  SchedulerOptions o = Slots(1);
  o.term_grace = 60 * kSec;
  Scheduler s(o);
  Feed(s, ev::TaskQueued{TaskId(1)}, 0);
  auto sigs = Only<act::SignalTask>(Feed(s, ev::Interrupted{SIGINT}, kSec));
  ASSERT_EQ(sigs.size(), 1u);
  EXPECT_EQ(sigs[0].signal, SIGTERM);
  sigs = Only<act::SignalTask>(Feed(s, ev::Interrupted{SIGINT}, kSec + kMs));
  ASSERT_EQ(sigs.size(), 1u);
  EXPECT_EQ(sigs[0].signal, SIGKILL);
  EXPECT_FALSE(s.WantsTasks());
  auto out = Feed(s, ev::TaskExited{TaskId(1), Outcome{0, SIGKILL, false}}, kSec + 2 * kMs);
  ASSERT_EQ(Only<act::RunFinished>(out).size(), 1u);
  EXPECT_EQ(Only<act::RunFinished>(out)[0].exit_status, 130);
}

TEST(Scheduler, SigtermExitStatus) {
  Scheduler s(Slots(1));
  Feed(s, ev::TaskQueued{TaskId(1)}, 0);
  Feed(s, ev::Interrupted{SIGTERM}, 1);
  auto out = Feed(s, ev::TaskExited{TaskId(1), Outcome{0, SIGTERM, false}}, 2);
  EXPECT_EQ(Only<act::RunFinished>(out)[0].exit_status, 143);
}

TEST(Scheduler, AbortStopsAndReturns255) {
  Scheduler s(Slots(2));
  Feed(s, ev::TaskQueued{TaskId(1)}, 0);
  Feed(s, ev::TaskQueued{TaskId(2)}, 0);
  auto out = Feed(s, ev::Abort{}, 1);
  EXPECT_EQ(Only<act::SignalTask>(out).size(), 2u);
  Feed(s, ev::TaskExited{TaskId(1), Outcome{0, SIGTERM, false}}, 2);
  out = Feed(s, ev::TaskExited{TaskId(2), Outcome{0, SIGTERM, false}}, 3);
  EXPECT_EQ(Only<act::RunFinished>(out)[0].exit_status, 255);
}

TEST(Scheduler, TransientStartFailuresBackOffAndLoseNothing) {
  Simulation sim(Slots(2), 20, [](uint64_t, int) { return Ok(kMs); });
  sim.FailNextStarts(5);
  sim.Run();
  EXPECT_EQ(sim.exit_status(), 0);
  auto counts = sim.FinalCount();
  EXPECT_EQ(counts.size(), 20u);
  for (const auto& [seq, n] : counts) EXPECT_EQ(n, 1);
  EXPECT_EQ(sim.starts().size(), 25u);
  for (const auto& f : sim.finished()) EXPECT_EQ(f.attempt, 1);  // a deferral is not an attempt
}

TEST(Scheduler, PersistentStartFailureAbortsInsteadOfSpinning) {
  Simulation sim(Slots(2), 5, [](uint64_t, int) { return Ok(kMs); });
  sim.FailNextStarts(1'000'000);
  sim.Run();
  EXPECT_EQ(sim.exit_status(), 255);
  EXPECT_FALSE(sim.scheduler().abort_reason().empty());
  // Bounded: each slot tries about kMaxFruitlessDeferrals times with backoff, then it stops.
  EXPECT_LE(static_cast<int>(sim.starts().size()), 2 * Scheduler::kMaxFruitlessDeferrals);
  EXPECT_GE(static_cast<int>(sim.starts().size()), Scheduler::kMaxFruitlessDeferrals);
  EXPECT_GT(sim.now(), 10 * kSec);  // it backed off (up to 1 s apart) before giving up
}

TEST(Scheduler, ALimitOnProcessesLowersTheSlotsInsteadOfWaiting) {
  // ulimit -n lets one task run where eight slots were asked for: the run goes at the pace of
  // one slot, not of timers that double for each start a burst lost.
  Simulation sim(Slots(8), 100, [](uint64_t, int) { return Ok(3 * kMs); });
  sim.LimitProcesses(1);
  sim.Run();
  EXPECT_EQ(sim.exit_status(), 0);
  EXPECT_EQ(sim.FinalCount().size(), 100u);
  EXPECT_EQ(sim.max_running(), 1);
  EXPECT_LE(sim.now(), 100 * 3 * kMs + 10 * kMs);
  EXPECT_EQ(sim.scheduler().capacity(), 2);  // probing one above what ran
  EXPECT_LE(sim.deferred(), 2 * 100);        // about one failed start per task, no storm
}

TEST(Scheduler, TheLimitIsProbedAgainAsTasksEnd) {
  // Three can run: after the first burst the run keeps three going, not one.
  Simulation sim(Slots(8), 60, [](uint64_t, int) { return Ok(3 * kMs); });
  sim.LimitProcesses(3);
  sim.Run();
  EXPECT_EQ(sim.exit_status(), 0);
  EXPECT_EQ(sim.max_running(), 3);
  EXPECT_LE(sim.now(), 20 * 3 * kMs + 10 * kMs);
}

TEST(Scheduler, ABurstThatFailsWholeBacksOffOnce) {
  Simulation sim(Slots(8), 8, [](uint64_t, int) { return Ok(kMs); });
  sim.FailNextStarts(8);  // the whole first burst, with nothing running
  sim.Run();
  EXPECT_EQ(sim.exit_status(), 0);
  EXPECT_LE(sim.now(), Scheduler::kMinBackoff + 5 * kMs);  // one back-off, not 8 doublings
}

TEST(Scheduler, BackoffArmsTheTimer) {
  Scheduler s(Slots(1));
  Feed(s, ev::TaskQueued{TaskId(1)}, 0);
  auto out = Feed(s, ev::StartDeferred{TaskId(1)}, 100);
  EXPECT_TRUE(Only<act::StartTask>(out).empty());
  auto timers = Only<act::ArmTimer>(out);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].at, 100 + Scheduler::kMinBackoff);
  out = Feed(s, ev::TimerFired{}, 100 + Scheduler::kMinBackoff);
  ASSERT_EQ(Only<act::StartTask>(out).size(), 1u);
}

TEST(Scheduler, StaleAndDuplicateExitsAreIgnored) {
  Scheduler s(Slots(1));
  Feed(s, ev::TaskQueued{TaskId(1)}, 0);
  auto out = Feed(s, ev::TaskExited{TaskId(99), Outcome{}}, 1);
  EXPECT_TRUE(Only<act::TaskFinished>(out).empty());
  Feed(s, ev::TaskExited{TaskId(1), Outcome{}}, 2);
  out = Feed(s, ev::TaskExited{TaskId(1), Outcome{1, 0, false}}, 3);
  EXPECT_TRUE(Only<act::TaskFinished>(out).empty());
  EXPECT_EQ(s.counts().succeeded, 1u);
  EXPECT_EQ(s.counts().failed, 0u);
}

// The same scheduler, simulated at the scale of a large allocation.
Outcome Failed(int code) {
  Outcome o;
  o.exit_code = code;
  return o;
}

TEST(Scheduler, SkippedTasksCountAndKeepTheOrder) {
  SchedulerOptions o = Slots(1);
  o.keep_order = true;
  Scheduler s(o);
  Feed(s, ev::TaskQueued{TaskId(1)}, 0);
  auto skip = Feed(s, ev::TaskSkipped{TaskId(2)}, 0);
  EXPECT_TRUE(Only<act::ReleaseOutput>(skip).empty());  // -k: waits for task 1
  EXPECT_TRUE(Only<act::StartTask>(skip).empty());
  Feed(s, ev::InputsEnded{}, 0);
  auto out = Feed(s, ev::TaskExited{TaskId(1), Outcome{}}, 1);
  auto released = Only<act::ReleaseOutput>(out);
  ASSERT_EQ(released.size(), 2u);
  EXPECT_EQ(released[0].task, TaskId(1));
  EXPECT_EQ(released[1].task, TaskId(2));
  EXPECT_EQ(s.counts().skipped, 1u);
  EXPECT_EQ(s.counts().queued, 2u);
  ASSERT_EQ(Only<act::RunFinished>(out).size(), 1u);
  EXPECT_EQ(Only<act::RunFinished>(out)[0].exit_status, 0);  // skipped is not failed
}

TEST(Scheduler, DrainLetsRunningTasksFinishAndStartsNothing) {
  Scheduler s(Slots(1));
  Feed(s, ev::TaskQueued{TaskId(1)}, 0);
  Feed(s, ev::TaskQueued{TaskId(2)}, 0);
  auto drain = Feed(s, ev::Drain{}, 1);
  EXPECT_TRUE(Only<act::SignalTask>(drain).empty());  // no one is killed
  EXPECT_FALSE(s.WantsTasks());
  auto out = Feed(s, ev::TaskExited{TaskId(1), Outcome{}}, 2);
  EXPECT_TRUE(Only<act::StartTask>(out).empty());
  ASSERT_EQ(Only<act::RunFinished>(out).size(), 1u);
  EXPECT_EQ(Only<act::RunFinished>(out)[0].exit_status, 255);
  EXPECT_EQ(s.counts().succeeded, 1u);
}

TEST(Scheduler, RetryDelayDoublesAndOtherTasksRunMeanwhile) {
  SchedulerOptions o = Slots(1);
  o.max_attempts = 3;
  o.retry_delay = 100 * kMs;
  Scheduler s(o);
  Feed(s, ev::TaskQueued{TaskId(1)}, 0);
  Feed(s, ev::TaskQueued{TaskId(2)}, 0);
  auto fail1 = Feed(s, ev::TaskExited{TaskId(1), Failed(1)}, 10 * kMs);
  auto starts = Only<act::StartTask>(fail1);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].task, TaskId(2));  // the retry waits; task 2 takes the slot
  auto timers = Only<act::ArmTimer>(fail1);
  ASSERT_FALSE(timers.empty());
  EXPECT_EQ(timers.back().at, 110 * kMs);
  Feed(s, ev::TaskExited{TaskId(2), Outcome{}}, 20 * kMs);
  EXPECT_TRUE(Only<act::StartTask>(Feed(s, ev::TimerFired{}, 109 * kMs)).empty());
  starts = Only<act::StartTask>(Feed(s, ev::TimerFired{}, 110 * kMs));
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].task, TaskId(1));
  EXPECT_EQ(starts[0].attempt, 2);
  auto fail2 = Feed(s, ev::TaskExited{TaskId(1), Failed(1)}, 120 * kMs);
  timers = Only<act::ArmTimer>(fail2);
  ASSERT_FALSE(timers.empty());
  EXPECT_EQ(timers.back().at, 320 * kMs);  // twice the first delay
}

TEST(Scheduler, TimeoutsAreNotRetriedWhenSoConfigured) {
  SchedulerOptions o = Slots(1);
  o.max_attempts = 3;
  o.timeout = kSec;
  o.retry_timeouts = false;
  Scheduler s(o);
  Feed(s, ev::TaskQueued{TaskId(1)}, 0);
  Feed(s, ev::InputsEnded{}, 0);
  Feed(s, ev::TimerFired{}, kSec);  // SIGTERM
  Outcome killed;
  killed.signal = SIGTERM;
  auto out = Feed(s, ev::TaskExited{TaskId(1), killed}, kSec + kMs);
  auto finished = Only<act::TaskFinished>(out);
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_TRUE(finished[0].final);
  EXPECT_TRUE(finished[0].outcome.timed_out);
  EXPECT_EQ(Only<act::RunFinished>(out).size(), 1u);
}

TEST(Scheduler, TasksStoppedByAnInterruptAreMarkedInterrupted) {
  Scheduler s(Slots(2));
  Feed(s, ev::TaskQueued{TaskId(1)}, 0);
  Feed(s, ev::TaskQueued{TaskId(2)}, 0);
  Feed(s, ev::Interrupted{SIGTERM}, kMs);
  Outcome term;
  term.signal = SIGTERM;
  auto f1 = Only<act::TaskFinished>(Feed(s, ev::TaskExited{TaskId(1), term}, 2 * kMs));
  ASSERT_EQ(f1.size(), 1u);
  EXPECT_TRUE(f1[0].outcome.interrupted);
  EXPECT_FALSE(f1[0].outcome.timed_out);
  // A task that exits on its own before the signal reaches it is still one the run stopped.
  auto f2 = Only<act::TaskFinished>(Feed(s, ev::TaskExited{TaskId(2), Outcome{}}, 3 * kMs));
  ASSERT_EQ(f2.size(), 1u);
  EXPECT_TRUE(f2[0].outcome.interrupted);
}

TEST(Scheduler, MemoryLowHoldsStartsUntilMemoryReturns) {
  Scheduler s(Slots(2));
  Feed(s, ev::MemoryLow{true}, 0);
  EXPECT_TRUE(Only<act::StartTask>(Feed(s, ev::TaskQueued{TaskId(1)}, 0)).empty());
  Feed(s, ev::InputsEnded{}, 0);
  EXPECT_FALSE(s.finished());  // waiting, not done
  auto out = Feed(s, ev::MemoryLow{false}, kSec);
  ASSERT_EQ(Only<act::StartTask>(out).size(), 1u);
}

TEST(Scheduler, MemoryCriticalRequeuesTheYoungestWithoutSpendingAnAttempt) {
  SchedulerOptions o = Slots(3);
  o.max_attempts = 1;
  Scheduler s(o);
  Feed(s, ev::TaskQueued{TaskId(1)}, 0);
  Feed(s, ev::TaskQueued{TaskId(2)}, kMs);
  Feed(s, ev::TaskQueued{TaskId(3)}, 2 * kMs);
  auto out = Feed(s, ev::MemoryCritical{}, kSec);
  auto signals = Only<act::SignalTask>(out);
  ASSERT_EQ(signals.size(), 1u);
  EXPECT_EQ(signals[0].task, TaskId(3));  // started last
  EXPECT_EQ(signals[0].signal, SIGTERM);
  // One at a time: nothing more until that one is gone.
  EXPECT_TRUE(Only<act::SignalTask>(Feed(s, ev::MemoryCritical{}, kSec)).empty());
  Outcome killed;
  killed.signal = SIGTERM;
  out = Feed(s, ev::TaskExited{TaskId(3), killed}, kSec + kMs);
  auto finished = Only<act::TaskFinished>(out);
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_FALSE(finished[0].final);
  EXPECT_TRUE(finished[0].outcome.interrupted);
  EXPECT_EQ(s.counts().requeued, 1u);
  // It runs again (attempt 2) although --retries allows one attempt, and may still fail once.
  auto starts = Only<act::StartTask>(out);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].task, TaskId(3));
  EXPECT_EQ(starts[0].attempt, 2);
  Outcome failed;
  failed.exit_code = 1;
  finished = Only<act::TaskFinished>(Feed(s, ev::TaskExited{TaskId(3), failed}, 2 * kSec));
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_TRUE(finished[0].final);
  EXPECT_EQ(s.counts().failed, 1u);
  EXPECT_EQ(s.counts().started, 3u);
}

TEST(Scheduler, MemoryCriticalLeavesALoneTaskAlone) {
  Scheduler s(Slots(2));
  Feed(s, ev::TaskQueued{TaskId(1)}, 0);
  EXPECT_TRUE(Only<act::SignalTask>(Feed(s, ev::MemoryCritical{}, kSec)).empty());
}

TEST(Scheduler, RequeuedTaskThatFinishedAnywayCounts) {
  Scheduler s(Slots(2));
  Feed(s, ev::TaskQueued{TaskId(1)}, 0);
  Feed(s, ev::TaskQueued{TaskId(2)}, 0);
  Feed(s, ev::InputsEnded{}, 0);
  Feed(s, ev::MemoryCritical{}, kSec);
  auto out = Feed(s, ev::TaskExited{TaskId(2), Outcome{}}, kSec);  // exited 0 before the signal
  ASSERT_EQ(Only<act::TaskFinished>(out).size(), 1u);
  EXPECT_TRUE(Only<act::TaskFinished>(out)[0].final);
  EXPECT_TRUE(Only<act::StartTask>(out).empty());
  EXPECT_EQ(s.counts().succeeded, 1u);
}

TEST(Scheduler, MissingOutputOrOverMemoryIsAFailure) {
  Outcome o;
  EXPECT_TRUE(o.ok());
  o.missing_output = true;
  EXPECT_FALSE(o.ok());
  o.missing_output = false;
  o.over_memory = true;
  EXPECT_FALSE(o.ok());
}

TEST(SchedulerSimulation, TenThousandWorkers) {
  SchedulerOptions o = Slots(10'000);
  o.timeout = 50 * kSec;
  Simulation sim(o, 200'000, [](uint64_t seq, int) {
    // Durations from 1 to 60 s; every 1000th task hangs and is timed out.
    return seq % 1000 == 0 ? Ok(3600 * kSec) : Ok(((seq * 2654435761u) % 60 + 1) * kSec);
  });
  sim.Run(50'000'000);
  EXPECT_EQ(sim.max_running(), 10'000);
  EXPECT_EQ(sim.finished().size(), 200'000u);
  EXPECT_EQ(sim.exit_status(), 101);  // 200 timed out
  // With 200k tasks of 30.5 s average on 10k slots, the makespan is near 610 s.
  EXPECT_LT(sim.now(), 700 * kSec);
  EXPECT_GT(sim.now(), 600 * kSec);
}

TEST(Scheduler, AFailedBatchIsSplitInsteadOfRetried) {
  SchedulerOptions o = Slots(1);
  o.max_attempts = 3;
  o.split_failed_batches = true;
  Scheduler s(o);
  Feed(s, ev::TaskQueued{TaskId(1), 4}, 0);
  Feed(s, ev::InputsEnded{}, 0);
  Outcome failed;
  failed.exit_code = 2;
  auto out = Feed(s, ev::TaskExited{TaskId(1), failed}, 10);
  auto finished = Only<act::TaskFinished>(out);
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_TRUE(finished[0].split);
  EXPECT_FALSE(finished[0].final);
  EXPECT_TRUE(Only<act::StartTask>(out).empty());  // not retried whole
  EXPECT_EQ(Only<act::ReleaseOutput>(out).size(), 1u);
  EXPECT_FALSE(s.finished());  // waits for the inputs to come back as tasks
  Feed(s, ev::TaskQueued{TaskId(2), 1}, 10);
  auto after = Feed(s, ev::BatchSplit{TaskId(1)}, 10);
  EXPECT_FALSE(s.finished());
  // The single input fails and is retried per --retries, never split.
  auto second = Feed(s, ev::TaskExited{TaskId(2), failed}, 20);
  ASSERT_EQ(Only<act::TaskFinished>(second).size(), 1u);
  EXPECT_FALSE(Only<act::TaskFinished>(second)[0].split);
  EXPECT_EQ(Only<act::StartTask>(second).size(), 1u);
  EXPECT_EQ(s.counts().split, 1u);
  EXPECT_EQ(s.counts().failed, 0u);
}

TEST(Scheduler, ASplitBatchsInputsRunAheadOfNewTasksAndPrintInItsPlace) {
  SchedulerOptions o = Slots(1);
  o.split_failed_batches = true;
  o.keep_order = true;
  o.read_all_inputs = true;
  Scheduler s(o);
  Feed(s, ev::TaskQueued{TaskId(1), 2}, 0);  // starts at once
  Feed(s, ev::TaskQueued{TaskId(2), 1}, 0);
  Feed(s, ev::TaskQueued{TaskId(3), 1}, 0);
  Feed(s, ev::InputsEnded{}, 0);
  Outcome failed;
  failed.exit_code = 2;
  auto out = Feed(s, ev::TaskExited{TaskId(1), failed}, 10);
  EXPECT_EQ(Only<act::ReleaseOutput>(out).size(), 1u);  // the batch's own output
  EXPECT_TRUE(Only<act::StartTask>(out).empty());       // 2 waits for the batch's inputs
  EXPECT_TRUE(Only<act::StartTask>(Feed(s, ev::TaskQueued{TaskId(4), 1, TaskId(1)}, 10)).empty());
  Feed(s, ev::TaskQueued{TaskId(5), 1, TaskId(1)}, 10);
  auto first = Feed(s, ev::BatchSplit{TaskId(1)}, 10);
  ASSERT_EQ(Only<act::StartTask>(first).size(), 1u);
  EXPECT_EQ(Only<act::StartTask>(first)[0].task, TaskId(4));  // before 2 and 3
  std::vector<uint64_t> started, released;
  for (uint64_t seq : {4, 5, 2, 3}) {
    for (const Action& a : Feed(s, ev::TaskExited{TaskId(seq), Outcome{}}, 20)) {
      if (auto* st = std::get_if<act::StartTask>(&a)) started.push_back(st->task.value());
      if (auto* r = std::get_if<act::ReleaseOutput>(&a)) released.push_back(r->task.value());
    }
  }
  EXPECT_EQ(started, (std::vector<uint64_t>{5, 2, 3}));
  EXPECT_EQ(released, (std::vector<uint64_t>{4, 5, 2, 3}));
  EXPECT_TRUE(s.finished());
}

TEST(Scheduler, BatchesAreRetriedWholeWithoutSplitting) {
  SchedulerOptions o = Slots(1);
  o.max_attempts = 2;
  Scheduler s(o);
  Feed(s, ev::TaskQueued{TaskId(1), 4}, 0);
  Feed(s, ev::InputsEnded{}, 0);
  Outcome failed;
  failed.exit_code = 2;
  auto out = Feed(s, ev::TaskExited{TaskId(1), failed}, 10);
  ASSERT_EQ(Only<act::StartTask>(out).size(), 1u);
  EXPECT_EQ(Only<act::StartTask>(out)[0].attempt, 2);
  Feed(s, ev::TaskExited{TaskId(1), failed}, 20);
  EXPECT_TRUE(s.finished());
  EXPECT_EQ(s.counts().failed, 1u);  // GNU parallel counts failed commands
}

TEST(Scheduler, SetSlotsGrowsShrinksAndPauses) {
  Scheduler s(Slots(2));
  for (uint64_t seq = 1; seq <= 6; ++seq) Feed(s, ev::TaskQueued{TaskId(seq)}, 0);
  Feed(s, ev::InputsEnded{}, 0);
  EXPECT_EQ(s.counts().running, 2);
  auto grown = Feed(s, ev::SetSlots{3}, 1);
  ASSERT_EQ(Only<act::StartTask>(grown).size(), 1u);
  EXPECT_EQ(Only<act::StartTask>(grown)[0].slot, SlotId(3));
  Feed(s, ev::SetSlots{0}, 2);  // pause: running tasks finish, none start
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    EXPECT_TRUE(Only<act::StartTask>(Feed(s, ev::TaskExited{TaskId(seq), Outcome{}}, 3)).empty());
  }
  EXPECT_EQ(s.counts().running, 0);
  EXPECT_FALSE(s.finished());
  auto resumed = Feed(s, ev::SetSlots{1}, 4);
  ASSERT_EQ(Only<act::StartTask>(resumed).size(), 1u);
  EXPECT_EQ(Only<act::StartTask>(resumed)[0].slot, SlotId(1));
  auto next = Feed(s, ev::TaskExited{TaskId(4), Outcome{}}, 5);
  ASSERT_EQ(Only<act::StartTask>(next).size(), 1u);
  EXPECT_EQ(Only<act::StartTask>(next)[0].slot, SlotId(1));  // never slot 2 or 3 again
}

}  // namespace
}  // namespace coreflow
