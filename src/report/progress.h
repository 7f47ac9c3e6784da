#pragma once

#include <string>

#include "report/observer.h"

namespace coreflow {

// A one-line progress display on stderr: done/total, running, failed, rate and ETA. On a
// terminal it is redrawn in place at most ten times a second; otherwise it prints a plain
// line at most every few seconds, so logs stay readable.
class ProgressDisplay : public RunObserver {
 public:
  ProgressDisplay(int fd, bool terminal, Nanos start);

  bool WantsTotal() const override { return true; }
  void OnTaskFinished(const TaskRecord& record, const RunTotals& totals) override;
  void OnRunFinished(const RunTotals& totals, int exit_status) override;
  void OnOutputBegin() override;
  void OnOutputEnd() override;

  static std::string Format(const RunTotals& totals);

 private:
  void Draw(const RunTotals& totals, bool last);

  int fd_;
  bool terminal_;
  Nanos start_;
  Nanos last_draw_ = 0;
  size_t last_width_ = 0;
  bool drawn_ = false;    // a progress line is on the terminal now
  bool cleared_ = false;  // it was cleared for output and should come back
  RunTotals last_totals_;
  std::string last_line_;
};

}  // namespace coreflow
