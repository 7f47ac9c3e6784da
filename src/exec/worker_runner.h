#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/ids.h"
#include "exec/process_host.h"
#include "exec/runner.h"
#include "exec/worker_life.h"
#include "exec/worker_protocol.h"
#include "sys/fd.h"

namespace coreflow {

struct WorkerOptions {
  std::vector<std::string> argv;  // how to start a worker: /bin/sh -c CMD
  std::string display;            // CMD as the user wrote it, for messages
  Nanos start_timeout = 300 * kNanosPerSecond;
  uint64_t max_tasks = 0;  // a worker is replaced after this many tasks (0: never)
  uint64_t max_rss = 0;    // or once its resident memory is above this after a task (0: never)
  Nanos term_grace = 2 * kNanosPerSecond;
  int max_failed_starts = 3;  // in a row, over all slots: then the run stops
};

// Runs tasks on warm workers (--worker, docs/workers.md): one long-lived process per slot
// serves task after task, each sent as a request line on its stdin and answered on its result
// descriptor. To the engine it is a Runner like any other: a task starts, prints, and exits
// with a status. Processes come from the ProcessHost underneath; this class keeps the
// protocol, starts and replaces workers (with back-off after a crash), and moves each task's
// output, CPU time and memory from the worker to the task. Each worker's life is a
// worker_life::WorkerLife; this class carries out what it decides.
class WorkerRunner : public Runner {
 public:
  WorkerRunner(ProcessHost* processes, WorkerOptions options);
  ~WorkerRunner() override;
  WorkerRunner(const WorkerRunner&) = delete;
  WorkerRunner& operator=(const WorkerRunner&) = delete;

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
  void SetSlots(int slots) override;

  static constexpr Nanos kMinBackoff = worker_life::Restarts::kMinBackoff;
  static constexpr Nanos kMaxBackoff = worker_life::Restarts::kMaxBackoff;
  static constexpr Nanos kClosedGrace = 200 * kNanosPerMilli;

 private:
  // A task as the engine numbers it (the Runner's handle); workers are ProcessHandles.
  using TaskHandle = StrongId<struct WorkerTaskHandleTag, uint64_t>;

  struct Worker {
    explicit Worker(worker_life::WorkerLife l) : life(std::move(l)) {}
    ProcessHandle handle;  // the ProcessHost's handle for its process
    int slot = 0;
    worker_life::WorkerLife life;
    LaunchSpec spec;  // as the first task asked (output mode, cgroup); cpus: in life.shape()
    std::vector<std::string> base_env;  // the task environment, without ours
    std::vector<std::string> env;
    std::vector<char*> envp;
    UniqueFd to_worker;  // its stdin
    UniqueFd answers;    // the read end of its result descriptor
    LineReader reader;
    TaskHandle task;          // the task it runs, or will once ready; 0 for none
    std::string request;      // that task's request while it waits for the worker, or is sent
    size_t request_sent = 0;  // bytes of it the worker has taken so far
    bool sending = false;     // waiting for room in its stdin (a request larger than the pipe)
    // It closed its result descriptor while it lived: a worker that dies closes it too,
    // just before its exit is seen, so it is given kClosedGrace to exit by itself (and have
    // its own exit status) before it is killed for it (answers_closed).
    Nanos answers_closed_at = 0;
    bool answers_closed = false;
    ProcessUsage at_begin;
    bool signalled = false;  // the engine signalled it (a time-out, an interrupt)
    std::string trouble;     // why coreflow stopped it (a protocol error), for the task's note
    bool has_task() const { return task != TaskHandle(); }
  };

  // Puts task `task` on its slot's worker, starting one if there is none.
  int Place(TaskHandle task, const LaunchSpec& spec, const std::vector<std::string>& env,
            std::string request);
  Worker& NewWorker(const LaunchSpec& spec, const std::vector<std::string>& env);
  static worker_life::Shape ShapeOf(const LaunchSpec& spec);
  // What of a worker's life decision is left to the caller.
  struct Verdict {
    bool start = false;         // start its process now
    bool announced = false;     // it became ready
    bool failed_start = false;  // it died before it was ready
    bool stopped = false;       // the run stopped it before it was ready
    bool lost_task = false;     // it died while busy
  };
  // Feeds `event` to the worker's life and carries out what it decided on the worker itself.
  Verdict Drive(Worker& w, const worker_life::Event& event, std::vector<RunnerEvent>* events);
  int Spawn(Worker& w);
  void Send(Worker& w, std::vector<RunnerEvent>* events);
  void SendMore(Worker& w);  // writes what the pipe takes; the rest when it has room
  // Reads what the worker wrote on its result descriptor so far; false once it is closed.
  bool ReadAnswers(Worker& w);
  void Kill(Worker& w, const std::string& trouble);
  void Retire(Worker& w);
  void OnAnswers(Worker& w, std::vector<RunnerEvent>* events);
  void OnMessage(Worker& w, const WorkerMessage& m, std::vector<RunnerEvent>* events);
  void Complete(Worker& w, const WorkerMessage& m, std::vector<RunnerEvent>* events);
  void OnExit(RunnerEvent& ev, std::vector<RunnerEvent>* events);
  void OnFailedStart(Worker& w, const RunnerEvent& ev, const std::string& how,
                     std::vector<RunnerEvent>* events);
  void FailRunningTask(Worker& w, RunnerEvent& ev, Nanos began, const std::string& how,
                       std::vector<RunnerEvent>* events);
  void OnTimer(Nanos now, std::vector<RunnerEvent>* events);
  void FailTask(TaskHandle task, int wait_status, const std::string& note,
                std::vector<RunnerEvent>* events);
  void Rearm();
  Worker* ForTask(TaskHandle task);
  const Worker* ForTask(TaskHandle task) const;

  ProcessHost* processes_;
  WorkerOptions options_;
  worker_life::Policy policy_;
  std::unordered_map<ProcessHandle, Worker> workers_;
  std::unordered_map<int, ProcessHandle> by_slot_;  // the slot's worker, unless retiring
  std::unordered_map<TaskHandle, ProcessHandle> by_task_;
  ProcessHandle next_handle_;
  worker_life::Restarts restarts_;
  Nanos engine_timer_ = 0;  // what the engine armed
  Nanos armed_ = 0;         // what is armed below
  std::vector<RunnerEvent> pending_;
  std::string fatal_;
  std::string read_buffer_;
};

}  // namespace coreflow
