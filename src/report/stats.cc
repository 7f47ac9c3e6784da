#include "report/stats.h"

#include <algorithm>
#include <cmath>

namespace coreflow {
namespace {

Distribution Describe(std::vector<double> values) {
  Distribution d;
  d.count = values.size();
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (double v : values) sum += v;
  d.mean = sum / static_cast<double>(values.size());
  d.p50 = Percentile(values, 50);
  d.p90 = Percentile(values, 90);
  d.p99 = Percentile(values, 99);
  d.max = values.back();
  return d;
}

}  // namespace

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest value with at least p % of the values at or below it.
  double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
  size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

RunStats ComputeStats(const RunData& data, size_t slowest, size_t max_failures) {
  RunStats s;
  s.skipped = data.skipped;
  s.makespan_s = data.makespan_s;
  std::vector<double> runtimes, rss;
  std::vector<size_t> finals;
  for (size_t i = 0; i < data.attempts.size(); ++i) {
    const AttemptData& a = data.attempts[i];
    if (a.outcome == "skipped") {  // journalled as finished before, never run
      ++s.skipped;
      continue;
    }
    ++s.attempts;
    s.task_wall_s += a.wall_s;
    s.cpu_used_s += a.cpu_s;
    if (!a.final) {
      ++s.retried;
      continue;
    }
    ++s.tasks;
    s.inputs += static_cast<uint64_t>(std::max(a.inputs, 1));
    ++s.final_outcomes[a.outcome];
    if (a.outcome == "ok") {
      ++s.succeeded;
    } else {
      ++s.failed;
      if (s.failures.size() < max_failures) {
        s.failures.push_back(i);
      } else {
        ++s.failures_left_out;
      }
    }
    runtimes.push_back(a.wall_s);
    rss.push_back(static_cast<double>(a.max_rss_kib));
    finals.push_back(i);
  }
  s.runtime_s = Describe(runtimes);
  s.rss_kib = Describe(rss);
  s.worker_startup_s = Describe(data.worker_startups_s);

  int64_t cpus = data.settings.usable_cpus.value;
  if (cpus <= 0) {
    for (const AttemptData& a : data.attempts) cpus = std::max<int64_t>(cpus, a.slot);
  }
  s.cpu_available_s = static_cast<double>(std::max<int64_t>(cpus, 1)) * s.makespan_s;
  if (s.cpu_available_s > 0) s.utilization = std::min(1.0, s.cpu_used_s / s.cpu_available_s);
  if (s.makespan_s > 0) s.speedup = s.task_wall_s / s.makespan_s;

  size_t n = std::min(slowest, finals.size());
  std::partial_sort(finals.begin(), finals.begin() + static_cast<std::ptrdiff_t>(n), finals.end(),
                    [&](size_t a, size_t b) {
                      const AttemptData& x = data.attempts[a];
                      const AttemptData& y = data.attempts[b];
                      return x.wall_s != y.wall_s ? x.wall_s > y.wall_s : x.seq < y.seq;
                    });
  s.slowest.assign(finals.begin(), finals.begin() + static_cast<std::ptrdiff_t>(n));
  return s;
}

}  // namespace coreflow
