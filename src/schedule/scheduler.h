#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/time.h"
#include "schedule/events.h"
#include "schedule/halt.h"
#include "schedule/release_order.h"
#include "schedule/stage_queues.h"

namespace coreflow {

struct SchedulerOptions {
  int slots = 1;                     // tasks at once; with stages, the cores their tasks share
  std::vector<StageOptions> stages;  // empty: one stage whose tasks hold one slot each
  Nanos timeout = 0;                 // per attempt; 0 = none
  Nanos term_grace = 2 * kNanosPerSecond;
  int max_attempts = 1;        // GNU --retries N: N attempts in all; 0 = until it succeeds
  Nanos retry_delay = 0;       // before the 2nd attempt; doubles for each later one
  bool retry_timeouts = true;  // whether an attempt killed by --timeout is tried again
  HaltPolicy halt;
  bool keep_order = false;
  // A batch (a task of several inputs) that fails is not retried whole: the engine queues its
  // inputs again one by one, each with its own --retries.
  bool split_failed_batches = false;
  // Tasks say when they really begin (TaskBegan: warm workers start up first); --timeout
  // counts from then, not from StartTask.
  bool timeout_from_began = false;
  // Percentage halting needs the total number of tasks, so every input is read first.
  bool read_all_inputs = false;
  int gpu_devices = 0;       // the GPUs stages' tasks share (StageOptions::gpus), at most kMaxGpus
  uint64_t scratch_cap = 0;  // bytes staging stages may hold on scratch at once (0: no cap)
};

struct SchedulerCounts {
  uint64_t queued = 0;     // tasks known so far
  uint64_t started = 0;    // distinct tasks started at least once
  uint64_t succeeded = 0;  // final outcomes
  uint64_t failed = 0;
  uint64_t skipped = 0;   // finished before (resume, outputs exist): never started
  uint64_t retried = 0;   // attempts that will be tried again
  uint64_t requeued = 0;  // attempts ended by --memfree and queued again
  uint64_t split = 0;     // failed batches whose inputs were queued again one by one
  int running = 0;
  bool inputs_ended = false;
};

// Decides which task runs when and where, and how the run ends. A pure state machine: events
// and the current time come in, actions go out. It never reads a clock or makes a system call,
// so tests drive it with a fake clock and a simulated runner, at any scale.
class Scheduler {
 public:
  explicit Scheduler(const SchedulerOptions& options);

  // Handles one event at time `now`, appending what to do to `out`.
  void Handle(const Event& event, Nanos now, std::vector<Action>* out);

  // True while the engine should read more inputs and queue them.
  bool WantsTasks() const;
  bool finished() const { return finished_; }
  const SchedulerCounts& counts() const { return counts_; }
  int slots() const { return options_.slots; }
  const GpuPool& gpus() const { return stages_.gpus(); }
  // How many tasks the system lets run at once, once a start failed for want of processes or
  // descriptors (ulimit -n, -u); 0 while no such limit was met.
  int capacity() const { return capacity_; }
  // Why the scheduler itself gave up (exit 255), when it did.
  const std::string& abort_reason() const { return abort_reason_; }

  static constexpr Nanos kMinBackoff = 10 * kNanosPerMilli;
  static constexpr Nanos kMaxBackoff = kNanosPerSecond;
  static constexpr int kMaxFruitlessDeferrals = 60;
  static constexpr Nanos kMaxRetryDelay = 3600 * kNanosPerSecond;

 private:
  enum class Phase { kRunning, kTerminating, kKilled };
  struct Running {
    StageId stage;
    SlotId slot;
    int attempt;
    Phase phase;
    bool timed_out;
    bool stopped = false;  // terminated because the run stops, not for its own sake
    bool requeue = false;  // terminated for --memfree: it runs again later
    uint64_t start_order;  // larger is younger
    uint64_t gpus = 0;     // the devices it holds
  };
  struct Deadline {
    Nanos at;
    TaskId task;
    int attempt;
  };

  // Handlers of each event kind (Handle visits them).
  void On(const ev::TaskQueued& e, Nanos now, std::vector<Action>* out);
  void On(const ev::TaskBegan& e, Nanos now, std::vector<Action>* out);
  void On(const ev::SetSlots& e, Nanos now, std::vector<Action>* out);
  void On(const ev::BatchSplit& e, Nanos now, std::vector<Action>* out);
  void On(const ev::TaskSkipped& e, Nanos now, std::vector<Action>* out);
  void On(const ev::InputsEnded& e, Nanos now, std::vector<Action>* out);
  void On(const ev::TaskExited& e, Nanos now, std::vector<Action>* out);
  void On(const ev::StartDeferred& e, Nanos now, std::vector<Action>* out);
  void On(const ev::TimerFired& e, Nanos now, std::vector<Action>* out);
  void On(const ev::Interrupted& e, Nanos now, std::vector<Action>* out);
  void On(const ev::Abort& e, Nanos now, std::vector<Action>* out);
  void On(const ev::Drain& e, Nanos now, std::vector<Action>* out);
  void On(const ev::MemoryLow& e, Nanos now, std::vector<Action>* out);
  void On(const ev::MemoryCritical& e, Nanos now, std::vector<Action>* out);
  void On(const ev::ItemParked& e, Nanos now, std::vector<Action>* out);
  void On(const ev::ParkedDropped& e, Nanos now, std::vector<Action>* out);
  void On(const ev::ScratchFreed& e, Nanos now, std::vector<Action>* out);
  void OnExited(const ev::TaskExited& e, Nanos now, std::vector<Action>* out);
  void Passed(StageId stage);  // a task's final attempt passed: its item goes on
  void OnDeferred(const ev::StartDeferred& e, Nanos now, std::vector<Action>* out);
  void OnInterrupted(const ev::Interrupted& e, Nanos now, std::vector<Action>* out);
  void OnMemoryCritical(Nanos now, std::vector<Action>* out);
  void OnSetSlots(int slots);
  Nanos TimeoutOf(StageId stage) const;
  bool FromBegan(StageId stage) const {
    return options_.timeout_from_began || stages_.options(stage).timeout_from_began;
  }
  int MaxAttemptsOf(StageId stage) const;
  void FireDeadlines(Nanos now, std::vector<Action>* out);
  void StartReady(Nanos now, std::vector<Action>* out);
  void Terminate(TaskId task, Running& r, Nanos now, std::vector<Action>* out);
  void TerminateAll(Nanos now, std::vector<Action>* out);
  void Stop(Nanos now, std::vector<Action>* out);  // stop starting and terminate what runs
  void WakeDelayed(Nanos now);
  void CheckHalt(const Outcome* last, std::vector<Action>* out, Nanos now);
  void Release(TaskId task, std::vector<Action>* out);
  void MaybeFinish(std::vector<Action>* out);
  void UpdateTimer(Nanos now, std::vector<Action>* out);
  bool IsLive(const Deadline& d, Phase phase) const;
  int ExitStatus() const;

  SchedulerOptions options_;
  SchedulerCounts counts_;
  StageQueues stages_;  // the ready tasks of each stage, slots and the budget of cores
  std::map<TaskId, Running> running_;         // ordered: deterministic signalling order
  std::unordered_map<TaskId, int> attempts_;  // attempts made by tasks being retried
  std::unordered_map<TaskId, int> requeues_;  // of those, attempts --memfree ended
  std::set<TaskId> batches_;                  // tasks of several inputs, with split_failed_batches
  int splits_pending_ = 0;                    // split batches whose inputs are not queued yet
  size_t split_inputs_queued_ = 0;            // of the batch being split, so far
  uint64_t moving_ = 0;  // items that passed a stage and whose next stage's task is not queued
  uint64_t parked_ = 0;  // items waiting for their group before a gather stage
  bool hold_for_next_ = false;  // while moving_: start nothing before the item's next task
  uint64_t starts_ = 0;
  std::deque<Deadline> timeouts_;    // start + timeout, in start order
  std::deque<Deadline> kill_after_;  // SIGTERM + grace, in signalling order
  ReleaseOrder order_;               // -k
  std::multimap<Nanos, std::pair<TaskId, StageId>> delayed_;  // retries waiting for --retry-delay
  Nanos backoff_ = kMinBackoff;
  Nanos backoff_until_ = 0;
  // After a start failed for want of processes or descriptors while others ran: how many can
  // run at once (0: no limit seen), and whether nothing starts until one of them ends.
  int capacity_ = 0;
  bool wait_for_exit_ = false;
  int fruitless_deferrals_ = 0;
  Nanos armed_at_ = 0;
  bool stop_starting_ = false;
  bool memory_low_ = false;  // --memfree: hold new starts until memory is free again
  bool halt_triggered_ = false;
  std::optional<int> halt_exit_;
  int interrupt_signal_ = 0;
  int interrupts_ = 0;
  bool finished_ = false;
  bool aborted_ = false;
  std::string abort_reason_;
};

}  // namespace coreflow
