#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <vector>

#include "base/hash128.h"
#include "base/time.h"
#include "schedule/events.h"
#include "sys/file_state.h"

namespace coreflow {

// The journal (--joblog) format, version 2; docs/journal.md is its specification.
//   #coreflow-journal <TAB> 2 <TAB> <template hash> <TAB> <template text>
//   Seq Host Starttime JobRuntime Send Receive Exitval Signal Command Key Attempt ...
//   one record per finished attempt: GNU parallel's nine columns, then ours
//   #start <TAB> <key> <TAB> <attempt> <TAB> <seq> <TAB> <outputs> [<TAB> <stage>]   before an
//   attempt runs; <stage> is a pipeline's stage index, left out for the first stage
// Other lines starting with '#' are notes a reader of this version skips. Version 2 has 128-bit
// keys (XXH3-128) and the state of the declared outputs in '#start'; version 1 journals
// (64-bit FNV-1a keys, no output states) are still read, and a resume continues them as
// version 1.
inline constexpr int kJournalVersion = 2;
inline constexpr std::string_view kJournalMagic = "#coreflow-journal";

// How one attempt ended, as the journal names it.
enum class AttemptOutcome {
  kOk,
  kFailed,         // exited non-zero
  kSignal,         // killed by a signal coreflow did not send
  kTimeout,        // killed by --timeout
  kNoExec,         // the command could not be executed
  kMissingOutput,  // exited 0 but a declared output is missing
  kOverMemory,     // killed for exceeding --mem-per-task
  kInterrupted,    // stopped by coreflow (Ctrl-C, SIGTERM, --halt now): not finished
  kSkipped,        // not run: its declared outputs already existed
};

const char* OutcomeName(AttemptOutcome outcome);
// The journal's name for how an attempt the scheduler saw end ended.
AttemptOutcome ClassifyOutcome(const Outcome& o, bool could_not_execute);
bool ParseOutcomeName(std::string_view name, AttemptOutcome* out);

// One line of the journal for one attempt.
struct JournalRecord {
  uint64_t seq = 0;
  std::string host;      // where it ran (coreflow-mpi: "node/rank"); "" here, written ':'
  Nanos start_wall = 0;  // epoch nanoseconds
  Nanos runtime = 0;
  uint64_t receive = 0;  // stdout bytes
  int exitval = 0;       // -1 for a task killed by --timeout, as GNU parallel writes
  int signal = 0;
  std::string command;  // unescaped
  Hash128 key;
  int attempt = 1;
  Nanos user_cpu = 0;
  Nanos sys_cpu = 0;
  int64_t max_rss_kib = 0;
  int slot = 0;
  AttemptOutcome outcome = AttemptOutcome::kOk;
  bool final = true;  // no further attempt follows; a finished task
};

// A task attempt that began; a start without a final record means it was cut short.
struct StartMark {
  Hash128 key;
  int attempt = 1;
  uint64_t seq = 0;
  // Version 2: what was at the input's declared outputs when the attempt began
  // (FormatOutputStates); a resume removes only what the attempt created or changed.
  std::string outputs;
  bool outputs_known = false;  // the mark has the column (version 2)
  int stage = 0;               // a pipeline's stage, by index (0: the first, or one command)
};

// Keys as a journal of `version` writes them: 16 hex digits (version 1), 32 (version 2).
std::string FormatKey(const Hash128& key, int version);
bool ParseKey(std::string_view text, int version, Hash128* out);

std::string JournalHeader(const Hash128& template_hash, std::string_view template_text,
                          int version = kJournalVersion);
std::string FormatRecord(const JournalRecord& r, int version = kJournalVersion);
std::string FormatStartMark(const StartMark& m, int version = kJournalVersion);
std::string FormatResumeNote(Nanos wall);

// Parses one record line (without its newline). False with *err on a malformed line.
bool ParseRecord(std::string_view line, JournalRecord* out, std::string* err,
                 int version = kJournalVersion);
bool ParseStartMark(std::string_view line, StartMark* out, int version = kJournalVersion);

// The state of each declared output path: "-" for none, else "<inode>.<size>.<mtime ns>";
// comma-separated. The device is left out: it may change across reboots on some file systems.
std::string FormatOutputStates(const std::vector<FileIdentity>& states);
// False on anything malformed (the caller then knows nothing about the outputs).
bool ParseOutputStates(std::string_view text, std::vector<FileIdentity>* out);
// Whether `now` is the file `before` described (same inode, size and modification time).
bool SameFileState(const FileIdentity& before, const FileIdentity& now);

// Tabs, newlines and backslashes in the command are escaped so a record stays one line.
std::string EscapeField(std::string_view s);
std::string UnescapeField(std::string_view s);

}  // namespace coreflow
