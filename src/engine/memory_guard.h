#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/ids.h"
#include "base/time.h"
#include "sys/memory_sampler.h"

namespace coreflow {

// The memory rules of a run, in bytes (0: the rule is off).
struct MemoryLimits {
  uint64_t per_task = 0;  // --mem-per-task: a task whose process group holds more is killed
  uint64_t free = 0;      // --memfree: no task starts while less memory is available
};

// A task the guard found over --mem-per-task: to be killed, with the reason for its error.
struct MemoryKill {
  TaskId task;
  std::string message;
};

// What one check decided, for the engine to carry out.
struct MemoryVerdict {
  std::vector<MemoryKill> kills;  // SIGKILL each
  bool critical = false;          // below half of --memfree: the youngest task makes room
  std::optional<bool> low;        // --memfree was crossed: stop (true) or go on (false) starting
  std::string message;            // news for stderr ("" for none)
};

// --mem-per-task, --memfree and the slot cgroups' OOM kills: decides, from what the sampler
// reads and the time it is given, which tasks to kill and whether tasks may start, and keeps
// the running tasks' resident total for observers. It never reads a clock or signals a task.
class MemoryGuard {
 public:
  static constexpr Nanos kCheckInterval = 250 * kNanosPerMilli;

  MemoryGuard(MemorySampler* sampler, MemoryLimits limits, Nanos interval = kCheckInterval);

  // Slot cgroups hold each task to --mem-per-task in the kernel (cgroup at `cgroup_path`):
  // no watchdog, but a task the kernel struck is reported as over memory.
  void EnforceInKernel(std::string cgroup_path);
  // An observer reads the running tasks' memory: their groups are watched even without a limit.
  void ObserveRss() { samples_rss_ = true; }
  // Whether started tasks' process groups should be handed to TaskRunning.
  bool samples_rss() const { return samples_rss_ || limits_.per_task > 0 || own_limits_; }

  // Before its process starts; `limit` is its own --mem-per-task (a pipeline's stage's; 0: the
  // run's); messages call it task `number` (0: its id; a pipeline's later stages number their
  // tasks by item).
  void TaskStarting(TaskId task, SlotId slot, uint64_t limit = 0, uint64_t number = 0);
  void TaskRunning(TaskId task, int pgid);  // its process group, once started
  void TaskNotStarted(TaskId task);         // the start failed: forget it
  // The task's process has exited. True when memory ended it; then *message (appended to) says
  // why where the kernel did it (the watchdog's kills were explained by their MemoryKill).
  bool TaskExited(TaskId task, std::string* message);

  // Whether checks are due at all: the watchdog with tasks running, or --memfree.
  bool Watching(bool tasks_running) const {
    return (enforce_rss() && tasks_running) || limits_.free > 0;
  }
  // Checks when `now` has reached the next check's time, then schedules the one after.
  bool CheckIfDue(Nanos now, MemoryVerdict* verdict);
  Nanos next_check() const { return next_check_; }
  // One check now, outside the schedule (before the first task starts).
  MemoryVerdict Check();
  // Samples for observers when the watchdog does not (it samples on each check).
  void SampleForObservers();

  uint64_t running_rss() const { return running_rss_; }
  bool rss_known() const { return rss_known_; }
  bool memory_low() const { return memory_low_; }

 private:
  struct Running {
    SlotId slot;
    int pgid = 0;
    uint64_t oom_kills = 0;  // the slot cgroup's count when the task started
    bool over_memory = false;
    uint64_t limit = 0;   // bytes its process group may hold (0: none)
    uint64_t number = 0;  // what messages call it
  };
  bool enforce_rss() const { return (limits_.per_task > 0 || own_limits_) && !in_kernel_; }
  bool Sample();  // false when /proc could not be read
  void KillOverLimit(MemoryVerdict* verdict);
  void CheckAvailable(MemoryVerdict* verdict);

  MemorySampler* sampler_;
  MemoryLimits limits_;
  Nanos interval_;
  bool in_kernel_ = false;
  std::string cgroup_path_;
  bool samples_rss_ = false;
  bool own_limits_ = false;            // a task was started with a limit of its own
  std::map<TaskId, Running> running_;  // ordered: kills come in task order
  std::unordered_map<int, uint64_t> rss_by_group_;
  uint64_t running_rss_ = 0;
  bool rss_known_ = false;
  bool memory_low_ = false;
  Nanos next_check_ = 0;
};

}  // namespace coreflow
