#pragma once

#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include "exec/process_host.h"
#include "exec/runner.h"
#include "exec/worker_runner.h"

namespace coreflow {

// A pipeline whose stages run some tasks as processes and some on warm workers (a stage's
// `worker`): each task goes to its stage's runner, and one ProcessHost underneath serves them
// all, so one Wait() hears of every process. Each worker stage's WorkerRunner sees the host
// through a view of its own: its process handles are moved into a range of their own, its
// timer is one of several, and its events are handed to it rather than waited for.
class StageRunners : public Runner {
 public:
  // `workers[k]` is stage k's warm worker, or empty for a stage of plain processes.
  StageRunners(ProcessHost* processes, std::vector<std::unique_ptr<WorkerOptions>> workers);
  ~StageRunners() override;
  StageRunners(const StageRunners&) = delete;
  StageRunners& operator=(const StageRunners&) = delete;

  int Start(uint64_t handle, const LaunchSpec& spec) override;
  int ProcessGroup(uint64_t handle) const override;
  int OrphanGroup(int pid) const override { return processes_->OrphanGroup(pid); }
  void Signal(uint64_t handle, int signal) override;
  void ArmTimer(Nanos at) override;
  void ArmTick(Nanos at) override { processes_->ArmTick(at); }
  void WatchInput(int fd) override { processes_->WatchInput(fd); }
  bool Wait(std::vector<RunnerEvent>* events, std::string* err) override;
  Nanos Now() override { return processes_->Now(); }
  void EndStragglers(Nanos grace) override;
  void SetSlots(int) override {}  // a pipeline is not reshaped

  // The first process handle of stage k's view; a stage's handles stay below the next one's.
  static uint64_t FirstHandle(size_t stage) { return (uint64_t{stage} + 1) << 44; }

 private:
  class View;
  struct Stage {
    std::unique_ptr<View> view;
    std::unique_ptr<WorkerRunner> runner;
  };
  Stage* WorkerStage(uint64_t handle) const;  // the worker stage a task went to, if any
  View* Owner(uint64_t process) const;        // the view a process handle belongs to
  void Route(RunnerEvent& ev, std::vector<RunnerEvent>* events);
  bool DrainViews(std::vector<RunnerEvent>* events, std::string* err);
  void Rearm();

  ProcessHost* processes_;
  std::vector<Stage> stages_;
  std::unordered_map<uint64_t, size_t> stage_of_task_;  // tasks on workers, by stage
  Nanos engine_timer_ = 0;
  Nanos armed_ = 0;
};

}  // namespace coreflow
