#include "exec/stage_runners.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "fake_process_host.h"

namespace coreflow {
namespace {

using exectest::FakeHost;

// Stage 0 runs processes, stage 1 warm workers: one host underneath serves both.
class StageRunnersTest : public ::testing::Test {
 protected:
  StageRunnersTest() {
    std::vector<std::unique_ptr<WorkerOptions>> workers;
    workers.push_back(nullptr);
    auto options = std::make_unique<WorkerOptions>();
    options->argv = {"/bin/sh", "-c", "worker"};
    options->display = "worker";
    workers.push_back(std::move(options));
    runners_ = std::make_unique<StageRunners>(&host_, std::move(workers));
  }

  int Start(uint64_t task, int stage) {
    LaunchSpec spec;
    spec.command = &command_;
    spec.slot = 1;
    spec.stage = stage;
    if (stage == 1) spec.worker_request = &request_;
    return runners_->Start(task, spec);
  }

  std::vector<RunnerEvent> Wait() {
    std::vector<RunnerEvent> events;
    std::string err;
    EXPECT_TRUE(runners_->Wait(&events, &err)) << err;
    return events;
  }

  FakeHost host_;
  Command command_{{"work"}};
  std::string request_ = "7-request\n";
  std::unique_ptr<StageRunners> runners_;
};

TEST_F(StageRunnersTest, EachTaskGoesToItsStagesRunnerAndEveryEventComesBack) {
  ASSERT_EQ(Start(5, 0), 0);
  ASSERT_EQ(host_.started.size(), 1u);
  EXPECT_EQ(host_.started[0], ProcessHandle(5));  // a plain task is the host's own process

  ASSERT_EQ(Start(7, 1), 0);  // a warm worker is started for it, in stage 1's range
  ASSERT_EQ(host_.started.size(), 2u);
  ProcessHandle worker = host_.started[1];
  EXPECT_GE(worker.value(), StageRunners::FirstHandle(1));
  EXPECT_LT(worker.value(), StageRunners::FirstHandle(2));

  host_.Answer(worker, R"({"ready": true})");
  std::vector<RunnerEvent> events = Wait();
  EXPECT_EQ(host_.ReadRequests(worker), "7-request\n");
  host_.Exit(ProcessHandle(5), 0);  // the plain task ends
  host_.Answer(worker, R"({"id": 7, "status": 3})");
  events = Wait();
  std::vector<std::pair<uint64_t, int>> exits;
  for (const RunnerEvent& ev : events) {
    if (ev.kind == RunnerEvent::Kind::kExited) exits.emplace_back(ev.handle, ev.wait_status);
  }
  ASSERT_EQ(exits.size(), 2u);
  EXPECT_EQ(exits[0], std::make_pair(uint64_t{5}, 0));
  EXPECT_EQ(exits[1].first, 7u);  // the worker's answer, as the task's exit
  EXPECT_NE(exits[1].second, 0);

  // Signals go where the task is: the plain task's own group, the worker's for its task.
  ASSERT_EQ(Start(8, 1), 0);
  Wait();
  runners_->Signal(8, SIGTERM);
  EXPECT_EQ(host_.procs[worker].signals, std::vector<int>{SIGTERM});
}

TEST_F(StageRunnersTest, TheEnginesTimerAndAWorkersTimerShareTheHosts) {
  runners_->ArmTimer(host_.now + 5 * kNanosPerSecond);
  EXPECT_EQ(host_.timer, host_.now + 5 * kNanosPerSecond);
  host_.FireTimer();
  std::vector<RunnerEvent> events = Wait();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, RunnerEvent::Kind::kTimer);
}

}  // namespace
}  // namespace coreflow
