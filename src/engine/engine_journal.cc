// The engine's journal side: a mark when a task starts, a record when an attempt ends.
#include "engine/engine.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "base/plural.h"
#include "engine/results_dir.h"
#include "exec/output_buffer.h"
#include "exec/worker_protocol.h"
#include "plan/expand.h"
#include "plan/output_path.h"
#include "sys/clock.h"
#include "sys/fd.h"
#include "sys/memory.h"

namespace coreflow {
namespace {

Nanos ToNanos(const timeval& tv) {
  return static_cast<Nanos>(tv.tv_sec) * kNanosPerSecond + static_cast<Nanos>(tv.tv_usec) * 1000;
}

}  // namespace

void Engine::RecordStarts(const TaskState& t, const act::StartTask& a, int* error) {
  // One mark per input, so a crash shows each cut short, with what was at its outputs.
  size_t per_input = outputs_.per_input();
  std::vector<FileIdentity> states;
  for (size_t i = 0; i < t.keys.size(); ++i) {
    StartMark mark{t.keys[i], a.attempt, a.task.value(), "", true};
    if (per_input > 0 && (i + 1) * per_input <= t.before.size()) {
      states.assign(t.before.begin() + static_cast<std::ptrdiff_t>(i * per_input),
                    t.before.begin() + static_cast<std::ptrdiff_t>((i + 1) * per_input));
      mark.outputs = FormatOutputStates(states);
    }
    if (int e = journal_->RecordStart(mark, now_)) {
      *error = e;
      return;
    }
  }
}

void Engine::Journal(const TaskState& t, const act::TaskFinished& a,
                     const std::string& command_line) {
  JournalRecord r;
  r.seq = a.task.value();
  r.start_wall = t.started_wall;
  r.runtime = t.ended - t.started;
  r.receive = t.out_bytes;
  r.exitval = a.outcome.timed_out ? -1 : a.outcome.exit_code;
  r.signal = a.outcome.signal;
  r.command = command_line;
  r.attempt = a.attempt;
  r.user_cpu = ToNanos(t.usage.ru_utime);
  r.sys_cpu = ToNanos(t.usage.ru_stime);
  r.max_rss_kib = t.usage.ru_maxrss;
  r.slot = t.slot;
  r.outcome = ClassifyOutcome(a.outcome, t.could_not_execute);
  // A task coreflow stopped did not finish: a resumed run does it again.
  r.final = a.final && r.outcome != AttemptOutcome::kInterrupted;
  // One record per input, so resume and reports stay per input; a batch's share its times.
  for (const Hash128& key : t.keys) {
    r.key = key;
    if (int e = journal_->RecordAttempt(r, now_)) {
      OnJournalError(e);
      return;
    }
  }
}

void Engine::OnJournalError(int e) {
  Drain(fmt::format(
      "cannot write journal '{}': {}; no new tasks were started; when this is fixed, run the "
      "same command with --resume to do the rest",
      journal_->path(), ErrnoText(e)));
}

TaskRecord Engine::Record(const TaskState& t, const act::TaskFinished& a,
                          std::string command_line) {
  TaskRecord r;
  r.seq = a.task.value();
  r.attempt = a.attempt;
  r.slot = t.slot;
  r.final = a.final;
  r.outcome = a.outcome;
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
