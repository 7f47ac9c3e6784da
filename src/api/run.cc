// The C++ API (include/coreflow/coreflow.h): the one way into a run. `coreflow run` fills
// RunOptions from its command line and calls Run() as any program does.
#include "coreflow/coreflow.h"

#include <fmt/format.h>

#include <atomic>
#include <string>
#include <string_view>
#include <utility>

#include "base/environment.h"
#include "base/time.h"
#include "base/version.h"
#include "report/observer.h"
#include "run/messages.h"
#include "run/run.h"
#include "sys/fd.h"
#include "sys/process.h"
#include "sys/program_path.h"

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

// The coreflow program for staging copies and the crash guard: the one installed beside this
// library, else the first on PATH; "" when there is none (no crash guard, no staging).
std::string FindCoreflowProgram() {
  static const int here = 0;
  std::string beside = ProgramBesideObject(&here, "coreflow");
  return beside.empty() ? FindOnPath(ProcessEnvironment(), "coreflow") : beside;
}

// A descriptor of the options that cannot be written to: nothing should run to lose its output.
std::string BadDescriptor(const RunOptions& o) {
  const std::pair<const char*, int> fds[] = {
      {"stdout_fd", o.stdout_fd}, {"stderr_fd", o.stderr_fd}, {"messages_fd", o.messages_fd}};
  for (const auto& [name, fd] : fds) {
    if (fd == -1 && std::string_view(name) == "messages_fd") continue;  // -1: nowhere
    // 0-2 are the process's own: closed, they become /dev/null, as for the command.
    if (fd >= 0 && fd <= 2) continue;
    if (!IsWritableFd(fd)) {
      return fmt::format("RunOptions::{} is {}, which is not a descriptor open for writing", name,
                         fd);
    }
  }
  return "";
}

// Set while a run goes on: it owns the process's SIGINT, SIGTERM and SIGHUP, so one at a time.
std::atomic<bool> running{false};

}  // namespace

RunResult Run(const RunOptions& options, TaskObserver* observer) {
  MessageSink sink;
  sink.fd = options.messages_fd;
  ScopedMessages messages(&sink);
  if (running.exchange(true)) {
    RunResult busy;
    busy.exit_status = UsageError(
        "coreflow::Run() is already running in this process (another thread, or an observer "
        "of that run): a run takes over SIGINT, SIGTERM and SIGHUP, so runs go one at a time");
    busy.error = sink.first_error;
    return busy;
  }
  struct Release {
    ~Release() { running = false; }
  } release;
  if (std::string bad = BadDescriptor(options); !bad.empty()) {
    RunResult refused;
    refused.exit_status = UsageError(bad);
    refused.error = sink.first_error;
    return refused;
  }
  RunFlags f;
  static_cast<RunOptions&>(f) = options;
  if (f.coreflow_program.empty()) f.coreflow_program = FindCoreflowProgram();
  EventRelay relay(observer);
  f.observers.push_back(&relay);
  RunResult result;
  result.exit_status = RunToEnd(f, options.command);
  result.error = sink.first_error;
  result.succeeded = relay.totals().succeeded;
  result.failed = relay.totals().failed;
  result.skipped = relay.totals().skipped;
  return result;
}

RunOptions ToOptions(const RunRequest& request) {
  RunOptions o;
  o.command = request.command;
  o.inputs = request.inputs;
  o.quote = true;  // each word is one argument, as a program's argv is: no shell in between
  if (request.jobs > 0) o.jobs = std::to_string(request.jobs);
  o.threads = request.threads_per_task;
  o.keep_order = request.keep_order;
  o.worker.command = request.worker;
  o.timeout = request.timeout;
  if (request.retries > 0) o.retries = request.retries;
  o.joblog = request.journal;
  o.resume = request.resume;
  o.stdout_fd = request.stdout_fd;
  o.stderr_fd = request.stderr_fd;
  o.messages_fd = request.messages_fd;
  o.no_summary = true;
  o.no_progress = true;
  return o;
}

RunResult Run(const RunRequest& request, TaskObserver* observer) {
  if (request.inputs.empty()) return RunResult{};  // nothing to run (and no stdin to read)
  return Run(ToOptions(request), observer);
}

const char* Version() {
  static const std::string text = fmt::format("{} (commit {})", kVersion, kCommit);
  return text.c_str();
}

}  // namespace coreflow
