// The engine's journal side: tells the journal recorder what happened, and what a task ran as.
#include "engine/engine.h"

#include <fmt/format.h>

#include "exec/output_buffer.h"
#include "plan/expand.h"
#include "sys/clock.h"

namespace coreflow {
namespace {

Nanos ToNanos(const timeval& tv) {
  return static_cast<Nanos>(tv.tv_sec) * kNanosPerSecond + static_cast<Nanos>(tv.tv_usec) * 1000;
}

}  // namespace

bool Engine::RecordStart(const TaskState& t, const act::StartTask& a) {
  std::string e;
  size_t per_input = OutputsOf(t.stage).per_input();
  if (journal_->TaskStarted(TaskId(t.input.seq), t.stage, a.attempt, t.keys, t.before, per_input,
                            now_, &e)) {
    return true;
  }
  OnJournalError(e);
  return false;
}

void Engine::RecordSkip(const TaskState& t) {
  if (journal_ == nullptr) return;
  std::string e;
  if (!journal_->TaskSkipped(TaskId(t.input.seq), t.keys.empty() ? Hash128{} : t.keys[0],
                             ExpandCommandLine(TemplateOf(t.stage), t.input, 0), RealtimeNow(),
                             now_, &e)) {
    OnJournalError(e);
  }
}

void Engine::OnJournalError(const std::string& message) {
  Drain(message +
        "; no new tasks were started; when this is fixed, run the same command with --resume "
        "to do the rest");
}

TaskRecord Engine::Record(const TaskState& t, const act::TaskFinished& a,
                          std::string command_line) {
  TaskRecord r;
  r.seq = t.input.seq;  // the item's number ({#}), whatever its stage
  r.stage = t.stage.value();
  r.attempt = a.attempt;
  r.slot = t.slot;
  r.final = a.final;
  r.outcome = a.outcome;
  r.queued = t.queued;
  r.started = t.started;
  r.ended = t.ended;
  r.started_wall = t.started_wall;
  r.user_cpu = ToNanos(t.usage.ru_utime);
  r.sys_cpu = ToNanos(t.usage.ru_stime);
  r.max_rss_kib = t.usage.ru_maxrss;
  r.out_bytes = t.out_bytes;
  r.err_bytes = t.err_bytes;
  r.error = t.error;
  r.could_not_execute = t.could_not_execute;
  r.command_line = std::move(command_line);
  r.inputs = static_cast<int>(t.input.items.size());
  // The summary names a failed task by its input and shows the end of its stderr.
  if (wants_command_line_ || (a.final && !a.outcome.ok())) {
    r.input = DescribeInput(t.input, kMaxReportedInput);
    r.stderr_tail = t.output ? t.output->err.Tail(kStderrTailBytes) : t.err_tail;
  }
  return r;
}

}  // namespace coreflow
