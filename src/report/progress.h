#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "report/observer.h"

namespace coreflow {

// A one-line progress display on stderr: done/total, running, failed, skipped, rate, ETA and
// the memory of the running tasks.
//
// On a terminal the line is redrawn in place ("\r", the line, "\033[K") at most ten times a
// second, also while no task ends, with a bar sized to the terminal's width; it never gets
// wider than the terminal, since a wrapped line cannot be redrawn in place. Otherwise it prints
// plain lines, at most one every five seconds (and one a minute while nothing changes), and
// never a control character, so logs stay readable. The last line stays.
class ProgressDisplay : public RunObserver {
 public:
  // The terminal's width in columns, asked before each line is laid out so that a resized
  // window is followed.
  using ColumnsFn = std::function<int()>;

  // Draws on `fd`; `terminal` picks in-place redraws over plain lines. The width is that of the
  // terminal on `fd` (80 where it reports none).
  ProgressDisplay(int fd, bool terminal);
  // As above, with the width from `columns`: for tests, and for callers that know better (from
  // $COLUMNS, say).
  ProgressDisplay(int fd, bool terminal, ColumnsFn columns);
  ~ProgressDisplay() override;
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  bool WantsTotal() const override { return true; }
  bool WantsMemory() const override { return true; }
  Nanos TickInterval() const override;
  void OnTick(const RunTotals& totals) override;
  void OnTaskFinished(const TaskRecord& record, const RunTotals& totals) override;
  void OnRunFinished(const RunTotals& totals, int exit_status) override;
  void OnOutputBegin() override;
  void OnOutputEnd() override;

  // The line for logs, such as "coreflow: 4/10 done (40%), 2 running, 1 failed, 2.0/s,
  // ETA 0:03, mem 1.2 GiB". `final`: the run is over, so no ETA.
  static std::string PlainLine(const RunTotals& totals, bool final = false);
  // The line for a terminal `columns` wide: the plain line's fields behind a bar (a spinner
  // while the total is unknown). Never longer than columns - 1, so that the cursor never sits
  // past the last column: when narrow the "coreflow:" prefix goes first, then the bar, then
  // the less important fields.
  static std::string TerminalLine(const RunTotals& totals, int columns, bool final = false);

 private:
  bool Due(const RunTotals& totals) const;
  void Update(const RunTotals& totals);
  void Draw(const RunTotals& totals, bool final);

  int fd_;
  bool terminal_;
  ColumnsFn columns_;
  bool finished_ = false;           // the run is over and its last line is out
  bool shown_ = false;              // a line is on the terminal now, without a newline
  bool cleared_ = false;            // it was erased for output and should come back after
  std::optional<Nanos> last_draw_;  // elapsed time of the last line drawn on schedule
  std::string last_counts_;         // what the last plain line counted, to see a change
  std::string last_line_;           // the last plain line, not to print the final one twice
  RunTotals last_totals_;
};

}  // namespace coreflow
