#pragma once

// The life of one warm worker (--worker) as a pure state machine: WorkerRunner feeds it what
// happened, with the time, and carries out the actions it returns. No syscalls here.
#include <cstdint>
#include <map>
#include <optional>
#include <variant>
#include <vector>

#include "base/time.h"
#include "sys/affinity.h"

namespace coreflow {
namespace worker_life {

// What a worker was started for: its environment and CPUs are fixed at its start.
struct Shape {
  int threads = 0;                 // threads per task
  std::optional<CpuMask> cpus;     // its slot's CPUs when pinned
  uint64_t params_generation = 0;  // the --tune-param values in its environment
  bool operator==(const Shape&) const = default;
};

struct Policy {
  Nanos start_timeout = 300 * kNanosPerSecond;  // from its start until it must say ready
  Nanos term_grace = 2 * kNanosPerSecond;       // a retiring worker's time to exit, per signal
  uint64_t max_tasks = 0;                       // replaced after this many tasks (0: never)
  uint64_t max_rss = 0;  // or once its memory is above this after a task (0: never)
};

// States.
struct Delayed {  // waiting out its slot's back-off before it is started
  Nanos not_before = 0;
};
struct Starting {  // started, not ready yet
  Nanos spawned = 0;
};
struct Ready {};  // idle, waiting for a task
struct Busy {     // its task's request was sent
  Nanos began = 0;
};
struct Retiring {     // its stdin is closed: it should exit; signalled if it does not
  Nanos kill_at = 0;  // when it gets SIGTERM, then SIGKILL; 0 once it had both
  bool terminated = false;
};
struct Gone {};  // its process exited
using State = std::variant<Delayed, Starting, Ready, Busy, Retiring, Gone>;

// Events.
struct Spawned {  // its process was started
  Nanos now = 0;
};
struct SaidReady {  // it wrote its ready line
  Nanos now = 0;
};
struct TaskOffered {  // a task for its slot needs a worker of `shape`
  Nanos now = 0;
  Shape shape;
};
struct RequestSent {  // a task's request goes to it
  Nanos now = 0;
};
struct Answered {  // it answered its task
  Nanos now = 0;
  uint64_t rss_bytes = 0;  // its memory after the task
};
struct SlotDropped {  // a reshape left its slot out of the run
  Nanos now = 0;
};
struct TimerFired {
  Nanos now = 0;
};
struct Exited {
  bool signalled_by_run = false;  // the engine signalled it (a time-out, an interrupt)
};
using Event = std::variant<Spawned, SaidReady, TaskOffered, RequestSent, Answered, SlotDropped,
                           TimerFired, Exited>;

// Actions, for WorkerRunner to carry out in order.
struct StartProcess {};  // the back-off is over
struct AnnounceReady {   // tell the engine the slot's worker is ready
  Nanos startup = 0;
};
struct Kill {  // SIGKILL; why goes into its task's note
  enum class Why { kSecondReadyLine, kNotReadyInTime };
  Why why = Why::kNotReadyInTime;
};
struct SendSignal {  // to a retiring worker that has not exited
  int signal = 0;
};
struct CloseStdin {};        // retire it: end of file on its stdin, and its slot is free
struct GrowBackoff {};       // it crashed: the next worker on its slot waits longer
struct CountFailedStart {};  // it died before it was ready: its task waits for the next one
struct FailStoppedTask {};   // the run stopped it while it started: its task ends
struct FailRunningTask {};   // it died while busy: its task fails
using Action = std::variant<StartProcess, AnnounceReady, Kill, SendSignal, CloseStdin, GrowBackoff,
                            CountFailedStart, FailStoppedTask, FailRunningTask>;

class WorkerLife {
 public:
  // A new worker waits until `not_before` (now, unless its slot is backing off).
  WorkerLife(Policy policy, Shape shape, Nanos not_before);

  // Moves on by `event` and appends what to do.
  void Handle(const Event& event, std::vector<Action>* actions);

  // When it next needs a TimerFired (0: never).
  Nanos Deadline() const;
  const State& state() const { return state_; }
  template <typename S>
  bool Is() const {
    return std::holds_alternative<S>(state_);
  }
  const Shape& shape() const { return shape_; }
  uint64_t tasks_done() const { return tasks_done_; }
  // When its current task's request was sent (Busy), else 0.
  Nanos began() const;

 private:
  struct Visitor;
  void Retire(Nanos now, std::vector<Action>* actions);

  Policy policy_;
  Shape shape_;
  State state_;
  uint64_t tasks_done_ = 0;
};

// How long the next worker of each slot waits after crashes, and how many starts failed in a
// row over all slots.
class Restarts {
 public:
  static constexpr Nanos kMinBackoff = 100 * kNanosPerMilli;
  static constexpr Nanos kMaxBackoff = 5 * kNanosPerSecond;

  explicit Restarts(int max_failed_starts) : max_failed_starts_(max_failed_starts) {}

  Nanos Backoff(int slot) const;
  // A worker crashed: its slot's next waits twice as long (from kMinBackoff, up to the max).
  void OnCrash(int slot);
  // A worker answered a task: its slot is healthy again.
  void OnTaskDone(int slot) { backoff_.erase(slot); }
  void OnReady() { failed_starts_ = 0; }
  // True when the run should give up: too many starts failed in a row.
  [[nodiscard]] bool OnFailedStart();
  int failed_starts() const { return failed_starts_; }

 private:
  int max_failed_starts_;
  int failed_starts_ = 0;
  std::map<int, Nanos> backoff_;
};

}  // namespace worker_life
}  // namespace coreflow
