#pragma once

#include <string>

#include "report/observer.h"
#include "sys/fd.h"

namespace coreflow {

// GNU parallel's --joblog: a header and one tab-separated line per finished task with
// Seq Host Starttime JobRuntime Send Receive Exitval Signal Command.
class JobLog : public RunObserver {
 public:
  // Creates (truncates) the file; "-" writes to `stdout_fd`. False with *err naming the path.
  bool Open(const std::string& path, int stdout_fd, std::string* err);

  bool WantsCommandLine() const override { return true; }
  void OnTaskFinished(const TaskRecord& record, const RunTotals& totals) override;

  // The first write error (errno), if any; 0 otherwise.
  int error() const { return error_; }

  static std::string Header();
  static std::string FormatLine(const TaskRecord& record);

 private:
  UniqueFd owned_;
  int fd_ = -1;
  int error_ = 0;
};

}  // namespace coreflow
