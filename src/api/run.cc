// The C++ API (include/coreflow/coreflow.h): a request becomes the flags `coreflow run` would
// have parsed, and goes through the same RunMain, so the library and the command behave alike.
#include "coreflow/coreflow.h"

#include <fmt/format.h>

#include <string>

#include "base/time.h"
#include "base/version.h"
#include "cli/run_command.h"
#include "report/observer.h"

namespace coreflow {
namespace {

// Turns the engine's task records into the API's events.
class EventRelay : public RunObserver {
 public:
  explicit EventRelay(TaskObserver* to) : to_(to) {}
  bool WantsCommandLine() const override { return to_ != nullptr; }
  void OnTaskStarted(uint64_t seq, int slot, int attempt, Nanos /*now*/) override {
    if (to_ == nullptr) return;
    TaskEvent e;
    e.task = seq;
    e.slot = slot;
    e.attempt = attempt;
    to_->OnTaskStarted(e);
  }
  void OnTaskFinished(const TaskRecord& r, const RunTotals& /*totals*/) override {
    if (to_ == nullptr) return;
    TaskEvent e;
    e.task = r.seq;
    e.slot = r.slot;
    e.attempt = r.attempt;
    e.command = r.command_line;
    e.exit_code = r.outcome.exit_code;
    e.signal = r.outcome.signal;
    e.ok = r.outcome.ok();
    e.final = r.final;
    e.seconds = ToSeconds(r.ended - r.started);
    to_->OnTaskFinished(e);
  }
  void OnRunFinished(const RunTotals& totals, int /*exit_status*/) override { totals_ = totals; }
  const RunTotals& totals() const { return totals_; }

 private:
  TaskObserver* to_;
  RunTotals totals_;
};

}  // namespace

RunResult Run(const RunRequest& request, TaskObserver* observer) {
  if (request.inputs.empty()) return RunResult{};  // nothing to run (and no stdin to read)
  RunFlags f;
  f.input_values = request.inputs;
  f.quote = true;  // each word is one argument, as a program's argv is: no shell in between
  if (request.jobs > 0) f.jobs = std::to_string(request.jobs);
  f.threads = request.threads_per_task;
  f.keep_order = request.keep_order;
  f.worker.command = request.worker;
  f.timeout = request.timeout;
  if (request.retries > 0) f.retries = request.retries;
  f.joblog = request.journal;
  f.resume = request.resume;
  f.stdout_fd = request.stdout_fd;
  f.stderr_fd = request.stderr_fd;
  f.no_summary = true;
  f.no_progress = true;
  f.crash_guard = false;
  EventRelay relay(observer);
  f.observers.push_back(&relay);
  RunResult result;
  result.exit_status = RunMain(f, request.command);
  result.succeeded = relay.totals().succeeded;
  result.failed = relay.totals().failed;
  result.skipped = relay.totals().skipped;
  return result;
}

const char* Version() {
  static const std::string text = fmt::format("{} (commit {})", kVersion, kCommit);
  return text.c_str();
}

}  // namespace coreflow
