#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coreflow/run_options.h"

namespace coreflow {

// One attempt of a task as reports see it, from a live run or read back from a journal.
struct AttemptData {
  uint64_t seq = 0;
  int attempt = 1;
  int slot = 0;
  std::string host;     // the journal's Host column: coreflow-mpi's "node/rank"; "" here
  bool final = true;    // false when the task was tried again
  std::string outcome;  // the journal's names: ok, failed, signal, timeout, noexec, ...
  int exit_code = 0;    // -1 for a time-out, as in the journal
  int signal = 0;
  double start_s = 0;  // seconds since the run began (the journal's first start)
  double wall_s = 0;
  double wait_s = 0;  // first attempts: from ready to started, waiting for a slot or cores
  double cpu_s = 0;   // user + system
  int64_t max_rss_kib = 0;
  int inputs = 1;           // inputs in the command (-N, -m, -X batch several)
  int stage = 0;            // a pipeline's stage, by index into RunSettings::stages
  std::string command;      // cut to kMaxReportedCommand bytes
  std::string error;        // coreflow's own message about it, if any
  std::string input;        // its input values (DescribeInput), when known; not in a journal
  std::string stderr_tail;  // the last bytes of its stderr (kStderrTailBytes), when captured
};

inline constexpr size_t kMaxReportedCommand = 512;

// A setting of the run and where its value came from ("-j", "default", "--mem-per-task",
// "journal"...).
struct SettingValue {
  int64_t value = 0;
  std::string source;
};

// One option as given on the command line: its long name and value ("" for a flag).
using GivenOption = CommandLineOption;

struct RunSettings {
  std::string command_template;
  // How coreflow was called: the command line and the options on it, and the command that
  // continues the run from its journal ("" without --joblog FILE). Empty when not known.
  std::vector<std::string> argv;
  std::vector<GivenOption> options;
  std::string resume_command;
  bool inputs_from_stdin = false;  // then the resumed run needs the same inputs again
  SettingValue slots;
  SettingValue threads_per_task;
  SettingValue inputs_per_invocation;
  SettingValue usable_cpus;
  int64_t mem_per_task = 0;         // bytes; 0 when unset
  bool bind = false;                // --bind
  bool worker = false;              // --worker
  bool known = false;               // false for a journal written without a #config line
  std::vector<std::string> stages;  // a pipeline's stage names, in order (empty: one command)
};

// What reports are made from.
struct RunData {
  RunSettings settings;
  std::vector<AttemptData> attempts;      // in the order they ended
  uint64_t skipped = 0;                   // tasks never started: finished before (journal, outputs)
  uint64_t cut_short = 0;                 // attempts started but never ended (a crash), per journal
  uint64_t total_tasks = 0;               // tasks known to the run, when known (0: unknown)
  double makespan_s = 0;                  // wall time the run(s) took; sessions summed
  int sessions = 1;                       // a resumed journal holds several
  bool complete = true;                   // false for the journal of a crashed or running run
  std::vector<double> worker_startups_s;  // --worker: each start-up, apart from task time
  std::optional<int> exit_status;
  double started_at = 0;    // when the run began, in seconds since the epoch (0: unknown)
  std::string host;         // where it ran
  bool waits_known = true;  // the attempts' wait_s were measured (a journal does not hold them)
};

}  // namespace coreflow
