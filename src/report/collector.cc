#include "report/collector.h"

#include "journal/format.h"

namespace coreflow {

AttemptData ToAttemptData(const TaskRecord& r, Nanos run_start) {
  AttemptData a;
  a.seq = r.seq;
  a.attempt = r.attempt;
  a.slot = r.slot;
  a.final = r.final;
  a.outcome = OutcomeName(ClassifyOutcome(r.outcome, r.could_not_execute));
  a.exit_code = r.outcome.timed_out ? -1 : r.outcome.exit_code;
  a.signal = r.outcome.signal;
  a.start_s = ToSeconds(r.started - run_start);
  a.wall_s = ToSeconds(r.ended - r.started);
  if (r.attempt == 1 && r.queued > 0 && r.started > r.queued) {
    a.wait_s = ToSeconds(r.started - r.queued);
  }
  a.cpu_s = ToSeconds(r.user_cpu + r.sys_cpu);
  a.max_rss_kib = r.max_rss_kib;
  a.inputs = r.inputs;
  a.stage = r.stage;
  a.command = r.command_line.substr(0, kMaxReportedCommand);  // empty unless kept
  a.error = r.error;
  a.input = r.input;
  a.stderr_tail = r.stderr_tail;
  return a;
}

void ReportCollector::OnTaskFinished(const TaskRecord& record, const RunTotals&) {
  AttemptData a = ToAttemptData(record, run_start_);
  stats_.Add(a);
  if (!keep_attempts_) return;
  // The page shows the stderr of attempts that went wrong; that of the rest would only cost.
  if (a.outcome == "ok") a.stderr_tail.clear();
  data_.attempts.push_back(std::move(a));
}

void ReportCollector::OnWorkerReady(int /*slot*/, Nanos startup) {
  stats_.AddWorkerStartup(ToSeconds(startup));
  if (keep_attempts_) data_.worker_startups_s.push_back(ToSeconds(startup));
}

void ReportCollector::OnRunFinished(const RunTotals& totals, int exit_status) {
  data_.makespan_s = ToSeconds(totals.elapsed);
  data_.skipped = totals.skipped;
  data_.total_tasks = totals.total_known ? totals.total : 0;
  data_.complete = true;
  data_.exit_status = exit_status;
}

}  // namespace coreflow
