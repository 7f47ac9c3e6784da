#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "exec/process_runner.h"
#include "exec/worker_protocol.h"

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
// with a status. Processes come from the ProcessRunner underneath; this class keeps the
// protocol, starts and replaces workers (with back-off after a crash), and moves each task's
// output, CPU time and memory from the worker to the task.
class WorkerRunner : public Runner {
 public:
  WorkerRunner(ProcessRunner* processes, WorkerOptions options);
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

  static constexpr Nanos kMinBackoff = 100 * kNanosPerMilli;
  static constexpr Nanos kMaxBackoff = 5 * kNanosPerSecond;

 private:
  enum class State {
    kDelayed,   // waiting out the back-off before it is started
    kStarting,  // started, not ready yet
    kIdle,
    kBusy,
    kRetiring,  // stdin closed: it should exit; killed if it does not
  };
  struct Worker {
    uint64_t handle = 0;  // the ProcessRunner's handle for its process
    int slot = 0;
    State state = State::kDelayed;
    LaunchSpec spec;              // as the first task asked (output mode, cgroup); cpus: see below
    std::optional<CpuMask> cpus;  // its slot's CPUs when pinned (the engine's change on a reshape)
    int threads = 0;              // the threads per task it was started for
    std::vector<std::string> base_env;  // the task environment, without ours
    std::vector<std::string> env;
    std::vector<char*> envp;
    UniqueFd to_worker;  // its stdin
    UniqueFd answers;    // the read end of its result descriptor
    LineReader reader;
    Nanos spawned = 0;
    Nanos not_before = 0;  // kDelayed: when it may start
    Nanos kill_at = 0;     // kRetiring: when it gets SIGTERM, then SIGKILL
    bool terminated = false;
    uint64_t task = 0;            // the task it runs, or will once ready; 0 for none
    std::string request;          // that task's request while it waits for the worker, or is sent
    size_t request_sent = 0;      // bytes of it the worker has taken so far
    bool sending = false;         // waiting for room in its stdin (a request larger than the pipe)
    bool answers_closed = false;  // it closed its result descriptor while it lived
    Nanos began = 0;              // when the task's request was sent
    ProcessUsage at_begin;
    uint64_t tasks_done = 0;
    bool signalled = false;  // the engine signalled it (a time-out, an interrupt)
    std::string trouble;     // why coreflow stopped it (a protocol error), for the task's note
  };

  // Puts task `handle` on its slot's worker, starting one if there is none.
  int Place(uint64_t handle, const LaunchSpec& spec, const std::vector<std::string>& env,
            std::string request);
  // A worker's environment and CPUs are fixed at its start: one started for another shape of
  // the run (threads per task, pinning) cannot serve this task.
  static bool Fits(const Worker& w, const LaunchSpec& spec);
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
  void OnTimer(Nanos now, std::vector<RunnerEvent>* events);
  void FailTask(uint64_t task, int wait_status, const std::string& note,
                std::vector<RunnerEvent>* events);
  void Rearm();
  Worker* ForTask(uint64_t task);
  const Worker* ForTask(uint64_t task) const;

  ProcessRunner* processes_;
  WorkerOptions options_;
  std::unordered_map<uint64_t, Worker> workers_;  // by process handle
  std::unordered_map<int, uint64_t> by_slot_;     // the slot's worker, unless retiring
  std::unordered_map<uint64_t, uint64_t> by_task_;
  uint64_t next_handle_;
  std::map<int, Nanos> backoff_;  // per slot, after a crash
  int failed_starts_ = 0;         // in a row
  Nanos engine_timer_ = 0;        // what the engine armed
  Nanos armed_ = 0;               // what is armed below
  std::vector<RunnerEvent> pending_;
  std::string fatal_;
  std::string read_buffer_;
};

}  // namespace coreflow
