#pragma once

#include "report/observer.h"
#include "report/run_data.h"

namespace coreflow {

// Keeps what reports need of every attempt of a live run: about 260 bytes per attempt, plus
// its command line (cut to kMaxReportedCommand) when `keep_commands` (--report, --html).
class ReportCollector : public RunObserver {
 public:
  explicit ReportCollector(bool keep_commands) : keep_commands_(keep_commands) {}

  bool WantsCommandLine() const override { return keep_commands_; }
  bool WantsTotal() const override { return true; }
  void OnRunStarted(Nanos now) override { run_start_ = now; }
  void OnTaskFinished(const TaskRecord& record, const RunTotals& totals) override;
  void OnRunFinished(const RunTotals& totals, int exit_status) override;
  void OnWorkerReady(int /*slot*/, Nanos startup) override {
    data_.worker_startups_s.push_back(ToSeconds(startup));
  }

  RunData& data() { return data_; }

 private:
  bool keep_commands_;
  Nanos run_start_ = 0;
  RunData data_;
};

// Turns one finished attempt into what reports keep of it; `run_start` is monotonic.
AttemptData ToAttemptData(const TaskRecord& record, Nanos run_start);

}  // namespace coreflow
