#include "engine/journal_recorder.h"

#include <fmt/format.h>

#include "journal/format.h"
#include "sys/fd.h"

namespace coreflow {
namespace {

JournalRecord AttemptRecord(const TaskRecord& a) {
  JournalRecord r;
  r.seq = a.seq;
  r.start_wall = a.started_wall;
  r.runtime = a.ended - a.started;
  r.receive = a.out_bytes;
  r.exitval = a.outcome.timed_out ? -1 : a.outcome.exit_code;
  r.signal = a.outcome.signal;
  r.command = a.command_line;
  r.attempt = a.attempt;
  r.user_cpu = a.user_cpu;
  r.sys_cpu = a.sys_cpu;
  r.max_rss_kib = a.max_rss_kib;
  r.slot = a.slot;
  r.outcome = ClassifyOutcome(a.outcome, a.could_not_execute);
  // A task coreflow stopped did not finish: a resumed run does it again.
  r.final = a.final && r.outcome != AttemptOutcome::kInterrupted;
  return r;
}

}  // namespace

bool JournalRecorder::TaskStarted(TaskId task, StageId stage, int attempt,
                                  const std::vector<Hash128>& keys,
                                  const std::vector<FileIdentity>& before, size_t outputs_per_input,
                                  Nanos now, std::string* err) {
  std::vector<FileIdentity> states;
  for (size_t i = 0; i < keys.size(); ++i) {
    StartMark mark{keys[i], attempt, task.value(), "", true, stage.value()};
    if (outputs_per_input > 0 && (i + 1) * outputs_per_input <= before.size()) {
      auto first = before.begin() + static_cast<std::ptrdiff_t>(i * outputs_per_input);
      states.assign(first, first + static_cast<std::ptrdiff_t>(outputs_per_input));
      mark.outputs = FormatOutputStates(states);
    }
    if (!Check(writer_->RecordStart(mark, now), err)) return false;
  }
  return true;
}

bool JournalRecorder::TaskFinished(const TaskRecord& attempt, const std::vector<Hash128>& keys,
                                   Nanos now, std::string* err) {
  JournalRecord r = AttemptRecord(attempt);
  r.host = host_;
  // One record per input, so resume and reports stay per input.
  for (const Hash128& key : keys) {
    r.key = key;
    if (!Check(writer_->RecordAttempt(r, now), err)) return false;
  }
  return true;
}

bool JournalRecorder::TaskSkipped(TaskId task, const Hash128& key, const std::string& command_line,
                                  Nanos start_wall, Nanos now, std::string* err) {
  JournalRecord r;
  r.seq = task.value();
  r.host = host_;
  r.start_wall = start_wall;
  r.command = command_line;
  r.key = key;
  r.attempt = 1;
  r.outcome = AttemptOutcome::kSkipped;
  return Check(writer_->RecordAttempt(r, now), err);
}

bool JournalRecorder::WorkerReady(SlotId slot, Nanos startup, Nanos now, std::string* err) {
  std::string note =
      fmt::format(R"({{"slot":{},"startup_s":{:.6f}}})", slot.value(), ToSeconds(startup));
  return Check(writer_->RecordNote("worker", note, now), err);
}

bool JournalRecorder::Reshaped(int slots, int threads, size_t batch, bool bound, Nanos now,
                               std::string* err) {
  std::string note = fmt::format(R"({{"slots":{},"threads":{},"batch":{},"bind":{}}})", slots,
                                 threads, batch, bound ? "true" : "false");
  return Check(writer_->RecordNote("reshape", note, now), err);
}

bool JournalRecorder::Sync(Nanos now, std::string* err) { return Check(writer_->Sync(now), err); }

bool JournalRecorder::RunEnded(int exit_status, Nanos now, std::string* err) {
  // A failed note shows in Close(): the writer keeps its first error.
  writer_->RecordNote("end", std::to_string(exit_status), now);
  return Check(writer_->Close(), err);
}

bool JournalRecorder::Check(int error, std::string* err) const {
  if (error == 0) return true;
  *err = fmt::format("cannot write journal '{}': {}", writer_->path(), ErrnoText(error));
  return false;
}

}  // namespace coreflow
