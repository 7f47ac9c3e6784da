#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "report/run_data.h"

namespace coreflow {

struct Distribution {
  uint64_t count = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;
};

// What the summary, the JSON report and the HTML page say about a run.
struct RunStats {
  std::map<std::string, uint64_t> final_outcomes;  // outcome -> tasks whose last attempt it was
  uint64_t tasks = 0;                              // tasks that ran (a final attempt)
  uint64_t inputs = 0;                             // the inputs of those tasks
  uint64_t succeeded = 0;
  uint64_t failed = 0;
  uint64_t skipped = 0;
  uint64_t attempts = 0;
  uint64_t retried = 0;  // attempts that were not final
  double makespan_s = 0;
  double task_wall_s = 0;  // sum over attempts: the time a sequential run would take
  double cpu_used_s = 0;
  double cpu_available_s = 0;  // usable CPUs x makespan
  double utilization = 0;      // cpu_used / cpu_available, 0..1
  double speedup = 0;          // task_wall / makespan
  Distribution runtime_s;      // final attempts
  Distribution rss_kib;
  Distribution worker_startup_s;  // --worker: start-ups, which no task is charged with
  std::vector<size_t> slowest;    // indices into RunData::attempts, slowest first
  std::vector<size_t> failures;   // final attempts that failed, in the order they ended
  uint64_t failures_left_out = 0;
};

RunStats ComputeStats(const RunData& data, size_t slowest = 10, size_t max_failures = 50);

// Nearest-rank percentile of sorted values (p in 0..100); 0 for none.
double Percentile(const std::vector<double>& sorted, double p);

}  // namespace coreflow
