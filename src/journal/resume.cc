#include "journal/resume.h"

#include <sys/stat.h>

#include <cerrno>

#include "journal/run_note.h"

namespace coreflow {

bool ResumeIndex::Load(const std::string& path, std::string* err) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return true;
  // Empty: made by mktemp, or by a run that died before its header (GNU parallel: nothing done).
  if (st.st_size == 0 && S_ISREG(st.st_mode)) return true;
  JournalCallbacks callbacks = TaskCallbacks();
  callbacks.on_note = [this](std::string_view kind, const std::string& text) {
    RunNote run;
    if (kind == kRunNoteKind && ParseRunNote(text, &run)) runs_.push_back(std::move(run));
  };
  if (!ReadJournal(path, callbacks, &info_, err)) return false;
  exists_ = true;
  return true;
}

bool ResumeIndex::LoadAlso(const std::string& path, JournalInfo* info, std::string* err) {
  return ReadJournal(path, TaskCallbacks(), info, err);
}

JournalCallbacks ResumeIndex::TaskCallbacks() {
  JournalCallbacks callbacks;
  callbacks.on_record = [this](const JournalRecord& r) { Add(r); };
  callbacks.on_start = [this](const StartMark& m) { AddStart(m); };
  return callbacks;
}

void ResumeIndex::AddStart(const StartMark& mark) {
  auto [it, inserted] = states_.try_emplace(mark.key, State::kStarted);
  if (!inserted && it->second != State::kSucceeded) it->second = State::kStarted;
  if (it->second != State::kStarted) return;
  if (mark.outputs_known) {
    cut_outputs_[mark.key] = mark.outputs;
  } else {
    cut_outputs_.erase(mark.key);
  }
}

const std::string* ResumeIndex::CutOutputs(const Hash128& key) const {
  auto it = cut_outputs_.find(key);
  return it == cut_outputs_.end() ? nullptr : &it->second;
}

void ResumeIndex::Add(const JournalRecord& r) {
  cut_outputs_.erase(r.key);  // the attempt ended: its start no longer matters
  State& s = states_[r.key];
  if (s == State::kSucceeded) return;  // a success stays one, whatever a later run wrote
  if (!r.final) {
    s = State::kRetrying;
    return;
  }
  bool good = r.outcome == AttemptOutcome::kOk || r.outcome == AttemptOutcome::kSkipped;
  s = good ? State::kSucceeded : State::kFailed;
}

uint64_t ResumeIndex::Finished(bool rerun_failed) const {
  uint64_t n = 0;
  for (const auto& [key, state] : states_) {
    n += state == State::kSucceeded || (state == State::kFailed && !rerun_failed) ? 1 : 0;
  }
  return n;
}

ResumeIndex::Decision ResumeIndex::Decide(const Hash128& key, bool rerun_failed) const {
  auto it = states_.find(key);
  if (it == states_.end()) return Decision::kRun;
  switch (it->second) {
    case State::kSucceeded:
      return Decision::kSkip;
    case State::kFailed:
      return rerun_failed ? Decision::kRun : Decision::kSkip;
    case State::kStarted:
    case State::kRetrying:
      return Decision::kRunAfterCut;
  }
  return Decision::kRun;
}

}  // namespace coreflow
