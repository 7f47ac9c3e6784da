#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "report/quantiles.h"
#include "report/run_data.h"

namespace coreflow {

// What the summary, the JSON report and the HTML page say about a run.
// One stage of a pipeline: its tasks and the time they took.
struct StageStats {
  uint64_t tasks = 0;  // that ran (a final attempt)
  uint64_t succeeded = 0;
  uint64_t failed = 0;  // neither ok nor interrupted
  uint64_t skipped = 0;
  double task_wall_s = 0;   // sum over attempts
  double cpu_s = 0;         // user + system, over attempts
  double max_wall_s = 0;    // of one attempt
  double mean_running = 0;  // task_wall_s / makespan: its tasks running at once, on average
  double wait_s = 0;        // sum over tasks: from ready to started (first attempts)
  double max_wait_s = 0;
};

struct RunStats {
  std::map<std::string, uint64_t> final_outcomes;     // outcome -> tasks whose last attempt it was
  uint64_t tasks = 0;                                 // tasks that ran (a final attempt)
  uint64_t inputs = 0;                                // the inputs of those tasks
  std::map<std::string, uint64_t> inputs_by_outcome;  // the same, counting their inputs
  uint64_t succeeded = 0;
  uint64_t failed = 0;       // neither ok nor interrupted
  uint64_t interrupted = 0;  // stopped by coreflow (Ctrl-C, SIGTERM, --halt now): not failures
  uint64_t skipped = 0;
  uint64_t attempts = 0;
  uint64_t retried = 0;  // attempts that were not final
  double makespan_s = 0;
  double task_wall_s = 0;  // sum over attempts: the time a sequential run would take
  double cpu_used_s = 0;
  double cpu_available_s = 0;  // usable CPUs x makespan
  double utilization = 0;      // cpu_used / cpu_available, 0..1
  double speedup = 0;          // task_wall / makespan
  // When the first attempt began, from the run's start: warm workers' start-up, which sits
  // inside the makespan but in no task's time. The speed-up after it compares like with like.
  double startup_s = 0;
  double speedup_after_startup = 0;  // task_wall / (makespan - startup)
  Distribution runtime_s;            // final attempts
  Distribution rss_kib;
  Distribution worker_startup_s;      // --worker: start-ups, which no task is charged with
  std::vector<AttemptData> slowest;   // final attempts, slowest first
  std::vector<AttemptData> failures;  // final attempts that failed, in the order they ended
  uint64_t failures_left_out = 0;
  std::vector<StageStats> stages;  // a pipeline's, by stage (one entry per stage seen)
};

// Builds RunStats from attempts as they end, in memory that does not grow with their number:
// counts and sums, percentiles from a QuantileSketch, the k slowest and the first failures.
// A live run feeds it task by task, so its summary costs the same at 10 million tasks as at
// 10 thousand.
class RunStatsBuilder {
 public:
  explicit RunStatsBuilder(size_t slowest = 10, size_t max_failures = 50)
      : max_slowest_(slowest), max_failures_(max_failures) {}

  void Add(const AttemptData& a);  // in the order they ended
  void AddWorkerStartup(double seconds) { startups_.Add(seconds); }
  // The stats, with what only the whole run knows (makespan, usable CPUs, skipped) from `data`.
  RunStats Finish(const RunData& data) const;

 private:
  size_t max_slowest_;
  size_t max_failures_;
  RunStats s_;
  QuantileSketch runtimes_;
  QuantileSketch rss_;
  QuantileSketch startups_;
  int max_slot_ = 0;
  double first_start_ = -1;  // -1: no attempt yet
};

// The stats of every attempt in `data` (a journal read back, a run that kept them all).
RunStats ComputeStats(const RunData& data, size_t slowest = 10, size_t max_failures = 50);

}  // namespace coreflow
