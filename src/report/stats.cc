#include "report/stats.h"

#include <algorithm>

namespace coreflow {
namespace {

// Slowest first; for equal times the earlier task first, so the order is deterministic.
bool Slower(const AttemptData& x, const AttemptData& y) {
  return x.wall_s != y.wall_s ? x.wall_s > y.wall_s : x.seq < y.seq;
}

}  // namespace

void RunStatsBuilder::Add(const AttemptData& a) {
  auto index = static_cast<size_t>(std::max(a.stage, 0));
  if (s_.stages.size() <= index) s_.stages.resize(index + 1);
  StageStats& stage = s_.stages[index];
  if (a.outcome == "skipped") {  // journalled as finished before, never run
    ++s_.skipped;
    ++stage.skipped;
    return;
  }
  stage.task_wall_s += a.wall_s;
  stage.cpu_s += a.cpu_s;
  stage.max_wall_s = std::max(stage.max_wall_s, a.wall_s);
  stage.wait_s += a.wait_s;
  stage.max_wait_s = std::max(stage.max_wait_s, a.wait_s);
  if (a.final) {
    ++stage.tasks;
    if (a.outcome == "ok") ++stage.succeeded;
    if (a.outcome != "ok" && a.outcome != "interrupted") ++stage.failed;
  }
  max_slot_ = std::max(max_slot_, a.slot);
  if (first_start_ < 0 || a.start_s < first_start_) first_start_ = a.start_s;
  ++s_.attempts;
  s_.task_wall_s += a.wall_s;
  s_.cpu_used_s += a.cpu_s;
  if (!a.final) {
    ++s_.retried;
    return;
  }
  ++s_.tasks;
  auto inputs = static_cast<uint64_t>(std::max(a.inputs, 1));
  s_.inputs += inputs;
  ++s_.final_outcomes[a.outcome];
  s_.inputs_by_outcome[a.outcome] += inputs;
  if (a.outcome == "ok") {
    ++s_.succeeded;
  } else if (a.outcome == "interrupted") {
    ++s_.interrupted;  // coreflow stopped it: not the task's failure, and not listed as one
  } else {
    ++s_.failed;
    if (s_.failures.size() < max_failures_) {
      s_.failures.push_back(a);
    } else {
      ++s_.failures_left_out;
    }
  }
  runtimes_.Add(a.wall_s);
  rss_.Add(static_cast<double>(a.max_rss_kib));
  // The k slowest so far, kept sorted: k is small, so an insertion is cheap.
  if (max_slowest_ == 0) return;
  if (s_.slowest.size() == max_slowest_ && !Slower(a, s_.slowest.back())) return;
  auto at = std::upper_bound(s_.slowest.begin(), s_.slowest.end(), a, Slower);
  s_.slowest.insert(at, a);
  if (s_.slowest.size() > max_slowest_) s_.slowest.pop_back();
}

RunStats RunStatsBuilder::Finish(const RunData& data) const {
  RunStats s = s_;
  s.skipped += data.skipped;
  s.makespan_s = data.makespan_s;
  s.runtime_s = runtimes_.Describe();
  s.rss_kib = rss_.Describe();
  s.worker_startup_s = startups_.Describe();
  int64_t cpus = data.settings.usable_cpus.value;
  if (cpus <= 0) cpus = max_slot_;
  s.cpu_available_s = static_cast<double>(std::max<int64_t>(cpus, 1)) * s.makespan_s;
  if (s.cpu_available_s > 0) s.utilization = std::min(1.0, s.cpu_used_s / s.cpu_available_s);
  if (s.makespan_s > 0) s.speedup = s.task_wall_s / s.makespan_s;
  for (StageStats& stage : s.stages) {
    if (s.makespan_s > 0) stage.mean_running = stage.task_wall_s / s.makespan_s;
  }
  s.startup_s = std::clamp(first_start_, 0.0, s.makespan_s);
  double after = s.makespan_s - s.startup_s;
  s.speedup_after_startup = after > 0 ? s.task_wall_s / after : s.speedup;
  return s;
}

RunStats ComputeStats(const RunData& data, size_t slowest, size_t max_failures) {
  RunStatsBuilder builder(slowest, max_failures);
  for (const AttemptData& a : data.attempts) builder.Add(a);
  for (double s : data.worker_startups_s) builder.AddWorkerStartup(s);
  return builder.Finish(data);
}

}  // namespace coreflow
