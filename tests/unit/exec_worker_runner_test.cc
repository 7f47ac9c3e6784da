#include "exec/worker_runner.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "exec/process_host.h"
#include "fake_process_host.h"
#include "sys/fd.h"

namespace coreflow {
namespace {

using exectest::FakeHost;

constexpr Nanos kMs = kNanosPerMilli;
constexpr Nanos kSec = kNanosPerSecond;

class WorkerRunnerTest : public ::testing::Test {
 protected:
  WorkerRunnerTest() {
    options_.argv = {"/bin/sh", "-c", "worker"};
    options_.display = "worker";
  }

  WorkerRunner& runner() {
    if (!runner_) runner_ = std::make_unique<WorkerRunner>(&host_, options_);
    return *runner_;
  }

  int StartTask(uint64_t task, int slot, int threads = 1) {
    requests_.push_back(std::to_string(task) + "-request\n");
    LaunchSpec spec;
    spec.slot = slot;
    spec.threads = threads;
    spec.worker_request = &requests_.back();
    return runner().Start(task, spec);
  }

  std::vector<RunnerEvent> Wait() {
    std::vector<RunnerEvent> events;
    std::string err;
    EXPECT_TRUE(runner().Wait(&events, &err)) << err;
    return events;
  }

  static const RunnerEvent* Find(const std::vector<RunnerEvent>& events, RunnerEvent::Kind kind) {
    for (const RunnerEvent& ev : events) {
      if (ev.kind == kind) return &ev;
    }
    return nullptr;
  }

  // Starts task `task` on a fresh worker of `slot` and takes it to busy; returns the worker.
  ProcessHandle BusyWorker(uint64_t task, int slot) {
    size_t before = host_.started.size();
    EXPECT_EQ(StartTask(task, slot), 0);
    EXPECT_EQ(host_.started.size(), before + 1);
    ProcessHandle w = host_.started.back();
    host_.Answer(w, R"({"ready": true})");
    Wait();
    EXPECT_EQ(host_.ReadRequests(w), std::to_string(task) + "-request\n");
    return w;
  }

  void Finish(ProcessHandle w, uint64_t task) {
    host_.Answer(w, R"({"id": )" + std::to_string(task) + R"(, "status": 0})");
    auto events = Wait();
    const RunnerEvent* done = Find(events, RunnerEvent::Kind::kExited);
    ASSERT_NE(done, nullptr);
    EXPECT_EQ(done->handle, task);
    EXPECT_EQ(done->wait_status, 0);
  }

  FakeHost host_;
  WorkerOptions options_;
  std::list<std::string> requests_;  // stable addresses for LaunchSpec::worker_request
  std::unique_ptr<WorkerRunner> runner_;
};

TEST_F(WorkerRunnerTest, WorkerStartsGetsReadyTakesARequestAndAnswers) {
  ASSERT_EQ(StartTask(7, 2), 0);
  ASSERT_EQ(host_.started.size(), 1u);
  ProcessHandle w = host_.started[0];
  const auto& env = host_.procs.at(w).env;
  EXPECT_NE(std::find(env.begin(), env.end(), "COREFLOW_WORKER=1"), env.end());
  EXPECT_NE(std::find(env.begin(), env.end(), "COREFLOW_SLOT=2"), env.end());
  EXPECT_NE(std::find(env.begin(), env.end(), "COREFLOW_RESULT_FD=3"), env.end());
  EXPECT_EQ(host_.procs.at(w).argv, options_.argv);
  EXPECT_EQ(host_.ReadRequests(w), "");  // nothing before it is ready

  host_.now += 300 * kMs;
  host_.Answer(w, R"({"ready": true})");
  auto events = Wait();
  const RunnerEvent* ready = Find(events, RunnerEvent::Kind::kWorkerReady);
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->slot, 2);
  EXPECT_EQ(ready->startup, 300 * kMs);
  const RunnerEvent* began = Find(events, RunnerEvent::Kind::kBegan);
  ASSERT_NE(began, nullptr);
  EXPECT_EQ(began->handle, 7u);
  EXPECT_EQ(host_.ReadRequests(w), "7-request\n");
  EXPECT_GT(runner().ProcessGroup(7), 0);

  host_.Answer(w, R"({"id": 7, "status": 3, "message": "no model"})");
  events = Wait();
  const RunnerEvent* done = Find(events, RunnerEvent::Kind::kExited);
  ASSERT_NE(done, nullptr);
  EXPECT_EQ(done->handle, 7u);
  EXPECT_EQ(WEXITSTATUS(done->wait_status), 3);
  EXPECT_EQ(done->note, "coreflow: task 7: no model\n");
  EXPECT_EQ(runner().ProcessGroup(7), 0);  // the task is over; the worker stays

  // The next task on the slot goes to the same worker at once.
  ASSERT_EQ(StartTask(8, 2), 0);
  EXPECT_EQ(host_.started.size(), 1u);
  EXPECT_EQ(host_.ReadRequests(w), "8-request\n");
  events = Wait();
  ASSERT_NE(Find(events, RunnerEvent::Kind::kBegan), nullptr);
  EXPECT_EQ(Find(events, RunnerEvent::Kind::kBegan)->handle, 8u);
}

TEST_F(WorkerRunnerTest, WorkerDyingMidTaskFailsItAndIsRestartedAfterABackoff) {
  ProcessHandle w = BusyWorker(1, 1);
  host_.Exit(w, SIGSEGV);  // killed by a signal
  auto events = Wait();
  const RunnerEvent* failed = Find(events, RunnerEvent::Kind::kExited);
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->handle, 1u);
  EXPECT_NE(failed->note.find("the worker (slot 1) was killed by signal 11"), std::string::npos)
      << failed->note;
  EXPECT_NE(failed->note.find("a new one is started"), std::string::npos);

  // The next worker of the slot waits out the back-off before it is started.
  Nanos crashed_at = host_.now;
  ASSERT_EQ(StartTask(2, 1), 0);
  EXPECT_EQ(host_.started.size(), 1u);
  EXPECT_EQ(host_.timer, crashed_at + WorkerRunner::kMinBackoff);
  host_.FireTimer();
  Wait();
  ASSERT_EQ(host_.started.size(), 2u);
  ProcessHandle next = host_.started[1];
  EXPECT_NE(next, w);
  host_.Answer(next, R"({"ready": true})");
  Wait();
  EXPECT_EQ(host_.ReadRequests(next), "2-request\n");
  Finish(next, 2);
}

TEST_F(WorkerRunnerTest, BackoffGrowsWithEachCrashAndResetsAfterAnAnswer) {
  ProcessHandle w = BusyWorker(1, 1);
  host_.Exit(w, SIGKILL);
  Wait();
  ASSERT_EQ(StartTask(2, 1), 0);
  host_.FireTimer();
  Wait();
  ProcessHandle second = host_.started.back();
  host_.Answer(second, R"({"ready": true})");
  Wait();
  host_.Exit(second, SIGKILL);
  Wait();
  Nanos crashed_at = host_.now;
  ASSERT_EQ(StartTask(3, 1), 0);
  EXPECT_EQ(host_.timer, crashed_at + 2 * WorkerRunner::kMinBackoff);
  host_.FireTimer();
  Wait();
  ProcessHandle third = host_.started.back();
  host_.Answer(third, R"({"ready": true})");
  Wait();
  EXPECT_EQ(host_.ReadRequests(third), "3-request\n");
  Finish(third, 3);  // healthy again: the next crash starts over from the minimum
  ASSERT_EQ(StartTask(4, 1), 0);
  Wait();  // its kBegan
  host_.Exit(third, SIGKILL);
  Wait();
  crashed_at = host_.now;
  ASSERT_EQ(StartTask(5, 1), 0);
  EXPECT_EQ(host_.timer, crashed_at + WorkerRunner::kMinBackoff);
}

TEST_F(WorkerRunnerTest, WorkerIsRecycledAfterMaxTasks) {
  options_.max_tasks = 1;
  options_.term_grace = 2 * kSec;
  ProcessHandle w = BusyWorker(1, 1);
  Finish(w, 1);
  EXPECT_EQ(host_.ReadRequests(w), "<eof>");  // told to exit
  EXPECT_EQ(host_.timer, host_.now + 2 * kSec);
  ASSERT_EQ(StartTask(2, 1), 0);  // a fresh worker takes the slot at once
  ASSERT_EQ(host_.started.size(), 2u);
  host_.FireTimer();
  Wait();
  EXPECT_EQ(host_.procs.at(w).signals, std::vector<int>{SIGTERM});
  host_.FireTimer();
  Wait();
  EXPECT_EQ(host_.procs.at(w).signals, (std::vector<int>{SIGTERM, SIGKILL}));
  host_.Exit(w, SIGKILL);
  auto events = Wait();
  EXPECT_EQ(Find(events, RunnerEvent::Kind::kExited), nullptr);  // nothing was lost
}

TEST_F(WorkerRunnerTest, WorkerIsRecycledWhenTheThreadCountChanges) {
  ProcessHandle w = BusyWorker(1, 1);
  Finish(w, 1);
  ASSERT_EQ(StartTask(2, 1, /*threads=*/4), 0);
  EXPECT_EQ(host_.ReadRequests(w), "<eof>");
  ASSERT_EQ(host_.started.size(), 2u);
  EXPECT_EQ(host_.procs.at(host_.started[1]).spec.threads, 4);
}

TEST_F(WorkerRunnerTest, ShrinkingSlotsRetiresTheIdleWorkersAbove) {
  ProcessHandle one = BusyWorker(1, 1);
  ProcessHandle two = BusyWorker(2, 2);
  ProcessHandle three = BusyWorker(3, 3);
  Finish(one, 1);
  Finish(two, 2);
  runner().SetSlots(1);  // three is busy: it finishes its task first
  EXPECT_EQ(host_.ReadRequests(one), "");
  EXPECT_EQ(host_.ReadRequests(two), "<eof>");
  EXPECT_EQ(host_.ReadRequests(three), "");
  EXPECT_NE(host_.timer, 0);  // killed if it does not exit in time
}

TEST_F(WorkerRunnerTest, TooManyFailedStartsInARowStopTheRun) {
  options_.max_failed_starts = 2;
  ASSERT_EQ(StartTask(1, 1), 0);
  host_.Exit(host_.started.back(), 1 << 8);
  Wait();  // the task waits for the next worker, after a back-off
  host_.FireTimer();
  Wait();
  ASSERT_EQ(host_.started.size(), 2u);
  host_.Exit(host_.started.back(), 1 << 8);
  std::vector<RunnerEvent> events;
  std::string err;
  EXPECT_FALSE(runner().Wait(&events, &err));
  EXPECT_NE(err.find("failed to start 2 times in a row"), std::string::npos) << err;
}

TEST_F(WorkerRunnerTest, AWorkerThatCannotBeStartedFailsTheStart) {
  host_.start_error = ENOENT;
  EXPECT_EQ(StartTask(1, 1), ENOENT);
  EXPECT_EQ(runner().ProcessGroup(1), 0);
}

TEST_F(WorkerRunnerTest, AnAnswerForAnotherTaskIsAProtocolError) {
  ProcessHandle w = BusyWorker(1, 1);
  host_.Answer(w, R"({"id": 9, "status": 0})");
  Wait();
  EXPECT_EQ(host_.procs.at(w).signals, std::vector<int>{SIGKILL});
  host_.Exit(w, SIGKILL);
  auto events = Wait();
  const RunnerEvent* failed = Find(events, RunnerEvent::Kind::kExited);
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->wait_status, 255 << 8);
  EXPECT_NE(failed->note.find("names task 9"), std::string::npos) << failed->note;
}

}  // namespace
}  // namespace coreflow
