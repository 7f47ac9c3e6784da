#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/time.h"
#include "schedule/events.h"

namespace coreflow {

// The journal (--joblog) format, version 1; docs/journal.md is its specification.
//   #coreflow-journal <TAB> 1 <TAB> <template hash> <TAB> <template text>
//   Seq Host Starttime JobRuntime Send Receive Exitval Signal Command Key Attempt ...
//   one record per finished attempt: GNU parallel's nine columns, then ours
//   #start <TAB> <key> <TAB> <attempt> <TAB> <seq>   before an attempt runs
// Other lines starting with '#' are notes a reader of this version skips.
inline constexpr int kJournalVersion = 1;
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
  Nanos start_wall = 0;  // epoch nanoseconds
  Nanos runtime = 0;
  uint64_t receive = 0;  // stdout bytes
  int exitval = 0;       // -1 for a task killed by --timeout, as GNU parallel writes
  int signal = 0;
  std::string command;  // unescaped
  uint64_t key = 0;
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
  uint64_t key = 0;
  int attempt = 1;
  uint64_t seq = 0;
};

std::string JournalHeader(uint64_t template_hash, std::string_view template_text);
std::string FormatRecord(const JournalRecord& r);
std::string FormatStartMark(const StartMark& m);
std::string FormatResumeNote(Nanos wall);

// Parses one record line (without its newline). False with *err on a malformed line.
bool ParseRecord(std::string_view line, JournalRecord* out, std::string* err);
bool ParseStartMark(std::string_view line, StartMark* out);

// Tabs, newlines and backslashes in the command are escaped so a record stays one line.
std::string EscapeField(std::string_view s);
std::string UnescapeField(std::string_view s);

}  // namespace coreflow
