#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/time.h"
#include "schedule/events.h"

namespace coreflow {

// How much of a task's stderr reports keep: enough for the last few lines of an error.
inline constexpr size_t kStderrTailBytes = 1024;
// How much of a task's input values reports keep (cut with "...").
inline constexpr size_t kMaxReportedInput = 512;

// Everything known about one finished attempt of a task.
struct TaskRecord {
  uint64_t seq = 0;  // the input's number ({#}); in a pipeline, the item's at every stage
  int stage = 0;     // a pipeline's stage (0: the first, or a run of one command)
  int attempt = 1;
  int slot = 0;
  bool final = true;  // false when the task will be retried
  Outcome outcome;
  Nanos queued = 0;        // monotonic: when it was ready to start (0: unknown)
  Nanos started = 0;       // monotonic
  Nanos ended = 0;         // monotonic
  Nanos started_wall = 0;  // epoch nanoseconds, for logs
  Nanos user_cpu = 0;
  Nanos sys_cpu = 0;
  int64_t max_rss_kib = 0;
  uint64_t out_bytes = 0;
  uint64_t err_bytes = 0;
  std::string command_line;  // filled when an observer WantsCommandLine()
  std::string error;         // why it could not be executed, if it could not
  bool could_not_execute = false;
  int inputs = 1;  // inputs in the command (-N, -m, -X batch several)
  // Its input values (DescribeInput), filled for a final attempt that did not succeed and,
  // when an observer WantsCommandLine(), for every attempt.
  std::string input;
  std::string stderr_tail;  // the last kStderrTailBytes of its stderr, where it was captured
};

struct RunTotals {
  uint64_t total = 0;  // tasks known so far
  bool total_known = false;
  uint64_t succeeded = 0;
  uint64_t failed = 0;
  uint64_t interrupted = 0;  // stopped by coreflow (Ctrl-C, SIGTERM, --halt now): not failures
  uint64_t skipped = 0;      // finished before: in the journal, or their outputs exist
  int running = 0;
  Nanos elapsed = 0;
  uint64_t running_rss_bytes = 0;  // resident memory of the running tasks' process groups
  bool rss_known = false;          // running_rss_bytes was sampled (an observer asked)
};

// Telemetry goes through observers: progress displays, logs and reports subscribe to a run.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual bool WantsCommandLine() const { return false; }
  // Asks the engine to count the inputs up front where that is cheap (values on the command
  // line, regular files), so `total` is known from the start.
  virtual bool WantsTotal() const { return false; }
  // Asks the engine to sample the resident memory of running tasks about once a second.
  virtual bool WantsMemory() const { return false; }
  // How often OnTick should come while the run goes on (0: never), so a display can move
  // while no task ends.
  virtual Nanos TickInterval() const { return 0; }
  virtual void OnTick(const RunTotals& /*totals*/) {}
  // Around every write of task output or of a message to stdout/stderr: a display that draws
  // on the terminal clears its line first and redraws it after.
  virtual void OnOutputBegin() {}
  virtual void OnOutputEnd() {}
  virtual void OnRunStarted(Nanos /*now*/) {}  // monotonic; task times are relative to it
  virtual void OnTaskStarted(uint64_t /*seq*/, int /*slot*/, int /*attempt*/, Nanos /*now*/) {}
  virtual void OnTaskFinished(const TaskRecord& /*record*/, const RunTotals& /*totals*/) {}
  virtual void OnRunFinished(const RunTotals& /*totals*/, int /*exit_status*/) {}
  // A warm worker (--worker) got ready after `startup`: time no task is charged with.
  virtual void OnWorkerReady(int /*slot*/, Nanos /*startup*/) {}
};

}  // namespace coreflow
