#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "base/hash128.h"
#include "base/ids.h"
#include "base/time.h"
#include "journal/writer.h"
#include "report/observer.h"
#include "sys/file_state.h"

namespace coreflow {

// The journal as an observer of the run: the engine tells it what happened to each task and
// it writes the records (docs/journal.md). Every method returns false with *err ("cannot
// write journal '<path>': <reason>") on the journal's first failed write.
class JournalRecorder {
 public:
  explicit JournalRecorder(JournalWriter* writer) : writer_(writer) {}
  // What the Host column says of every record (coreflow-mpi's "node/rank"); "" for ':'.
  void set_host(std::string host) { host_ = std::move(host); }

  // The version of the task keys the journal holds.
  int key_version() const { return writer_->version(); }
  const std::string& path() const { return writer_->path(); }

  // An attempt starts: one mark per input (`keys`), each with what was at that input's
  // `outputs_per_input` declared outputs (`before`, every input's in turn), so a crash shows
  // what was cut short and what it may have half written, and the pipeline stage it is of.
  bool TaskStarted(TaskId task, StageId stage, int attempt, const std::vector<Hash128>& keys,
                   const std::vector<FileIdentity>& before, size_t outputs_per_input, Nanos now,
                   std::string* err);
  // An attempt ended: one record per input, sharing the attempt's times.
  bool TaskFinished(const TaskRecord& attempt, const std::vector<Hash128>& keys, Nanos now,
                    std::string* err);
  // The task was not run: its declared outputs already existed.
  bool TaskSkipped(TaskId task, const Hash128& key, const std::string& command_line,
                   Nanos start_wall, Nanos now, std::string* err);
  // A warm worker got ready after `startup`.
  bool WorkerReady(SlotId slot, Nanos startup, Nanos now, std::string* err);
  // The run's shape changed (Engine::Reshape): so a report of the journal knows it.
  bool Reshaped(int slots, int threads, size_t batch, bool bound, Nanos now, std::string* err);
  // Syncs what is written when it is due (JournalWriter::SyncDue); 0: nothing is due.
  Nanos SyncDue() const { return writer_->SyncDue(); }
  bool Sync(Nanos now, std::string* err);
  // The run ended whole with `exit_status`: notes it, syncs and closes the journal.
  bool RunEnded(int exit_status, Nanos now, std::string* err);

 private:
  bool Check(int error, std::string* err) const;

  JournalWriter* writer_;
  std::string host_;
};

}  // namespace coreflow
