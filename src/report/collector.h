#pragma once

#include "report/observer.h"
#include "report/run_data.h"
#include "report/stats.h"

namespace coreflow {

// Gathers what the summary and the reports say about a live run. The stats are built as tasks
// end, in memory that does not grow with their number; only the HTML page's timeline needs
// every attempt, so only `keep_attempts` (--html) keeps them (about 260 bytes each, plus the
// command line and the input cut to kMaxReportedCommand and kMaxReportedInput when
// `keep_commands`, plus the stderr tail of each attempt that did not succeed).
class ReportCollector : public RunObserver {
 public:
  ReportCollector(bool keep_commands, bool keep_attempts)
      : keep_commands_(keep_commands), keep_attempts_(keep_attempts) {}

  bool WantsCommandLine() const override { return keep_commands_; }
  bool WantsTotal() const override { return true; }
  void OnRunStarted(Nanos now) override { run_start_ = now; }
  void OnTaskFinished(const TaskRecord& record, const RunTotals& totals) override;
  void OnRunFinished(const RunTotals& totals, int exit_status) override;
  void OnWorkerReady(int /*slot*/, Nanos startup) override;

  RunData& data() { return data_; }
  RunStats Stats() const { return stats_.Finish(data_); }

 private:
  bool keep_commands_;
  bool keep_attempts_;
  RunStatsBuilder stats_;
  Nanos run_start_ = 0;
  RunData data_;
};

// Turns one finished attempt into what reports keep of it; `run_start` is monotonic.
AttemptData ToAttemptData(const TaskRecord& record, Nanos run_start);

}  // namespace coreflow
