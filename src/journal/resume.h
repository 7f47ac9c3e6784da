#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "journal/reader.h"
#include "journal/run_note.h"

namespace coreflow {

// What an earlier run's journal says about each task key, for --resume / --resume-failed.
class ResumeIndex {
 public:
  enum class Decision {
    kRun,          // never finished: run it
    kRunAfterCut,  // an attempt was cut short (crash, kill): its outputs may be partial
    kSkip,         // finished (or, with --resume-failed, finished well): do not run again
  };

  // Reads `path`. A missing file is an empty index (nothing to resume), as in GNU parallel.
  bool Load(const std::string& path, std::string* err);
  // Adds what another journal (--resume-from) records; it must exist. Its runs are not this
  // journal's, so they are not ended. `*info` gets what it says about itself.
  bool LoadAlso(const std::string& path, JournalInfo* info, std::string* err);
  // For tests and fuzzing: records as a reader would deliver them.
  void Add(const JournalRecord& record);
  void AddStart(const StartMark& mark);

  Decision Decide(const Hash128& key, bool rerun_failed) const;
  // For a task cut short (kRunAfterCut): what was at its declared outputs when the cut attempt
  // began, as its '#start' mark holds it (FormatOutputStates); null when the journal does not
  // say (version 1).
  const std::string* CutOutputs(const Hash128& key) const;
  bool exists() const { return exists_; }
  // Whether any journal read holds a record or start mark: something to skip or clean up.
  bool empty() const { return states_.empty(); }
  const JournalInfo& info() const { return info_; }
  // Tasks Decide() skips.
  uint64_t Finished(bool rerun_failed) const;
  // The coreflow processes that wrote the journal ('#run' notes), oldest first.
  const std::vector<RunNote>& runs() const { return runs_; }

 private:
  JournalCallbacks TaskCallbacks();  // records and start marks into this index

  enum class State : uint8_t { kStarted, kRetrying, kSucceeded, kFailed };
  std::unordered_map<Hash128, State, Hash128Hasher> states_;
  // The last start mark's output states of keys whose last line is a start mark.
  std::unordered_map<Hash128, std::string, Hash128Hasher> cut_outputs_;
  JournalInfo info_;
  std::vector<RunNote> runs_;
  bool exists_ = false;
};

}  // namespace coreflow
