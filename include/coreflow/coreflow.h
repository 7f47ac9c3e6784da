#pragma once

// coreflow's C++ API: what `coreflow run` does, as a call from a program of your own.
// Link with the CMake target coreflow::coreflow (find_package(coreflow)) or with
// `pkg-config --cflags --libs coreflow`. docs/library.md has the whole of it.
//
//   coreflow::RunRequest r;
//   r.command = {"gzip", "-k", "{}"};
//   r.inputs = {"a.txt", "b.txt"};
//   coreflow::RunResult result = coreflow::Run(r);   // result.exit_status as coreflow run's
#include <cstdint>
#include <string>
#include <vector>

#include "coreflow/run_options.h"

#define COREFLOW_API __attribute__((visibility("default")))

namespace coreflow {

// One run, in short: `command` once per input, in parallel across the usable cores. The fields
// are `coreflow run`'s options of the same meaning (docs/run.md); RunOptions has all of them.
struct RunRequest {
  // The command's words, each one argument (as with -q: no shell unless you name one, e.g.
  // {"sh", "-c", "...", "sh", "{}"}); {} in a word is the input, {#} its number.
  std::vector<std::string> command;
  std::vector<std::string> inputs;  // one task each, taken as they are; none: nothing runs
  int jobs = 0;                     // tasks at once (-j); 0: one per usable core
  int threads_per_task = 0;         // -t: sets OMP_NUM_THREADS and the rest; 0: the default
  bool keep_order = false;          // -k: output in input order
  std::string worker;               // --worker CMD: warm workers; command becomes their args
  std::string timeout;              // --timeout per task: "90s", "10m"; "" for none
  int retries = 0;                  // --retries
  std::string journal;              // --joblog FILE; "" for none
  bool resume = false;              // --resume: skip what the journal shows done
  int stdout_fd = 1;                // where the tasks' stdout goes (a descriptor you own)
  int stderr_fd = 2;                // and their stderr
  int messages_fd = 2;              // coreflow's own lines (errors, warnings); -1: nowhere
};

// One task starting or ending, as the journal records it.
struct TaskEvent {
  uint64_t task = 0;    // the input's number, from 1
  int slot = 0;         // 1 to jobs
  int attempt = 1;      // 2 for the first retry
  std::string command;  // the command line it ran (in OnTaskFinished)
  // When it ended:
  int exit_code = 0;   // its exit status, when signal is 0
  int signal = 0;      // the signal that ended it, or 0
  bool ok = false;     // it succeeded
  bool final = true;   // false when it will be tried again
  double seconds = 0;  // how long it ran
};

// Told of every task, from the thread that called Run(), while Run() goes on: keep it short.
class COREFLOW_API TaskObserver {
 public:
  virtual ~TaskObserver() = default;
  virtual void OnTaskStarted(const TaskEvent& /*event*/) {}
  virtual void OnTaskFinished(const TaskEvent& /*event*/) {}
};

struct RunResult {
  // As `coreflow run`'s: 0 all succeeded, 1-100 that many failed, 101 more, 255 a usage or
  // run error, 128+N after signal N.
  int exit_status = 0;
  std::string error;  // the first error, in one line ("" for none), as messages_fd was told
  uint64_t succeeded = 0;
  uint64_t failed = 0;
  uint64_t skipped = 0;  // done before, by the journal (resume)
};

// Runs the description to its end: whatever `coreflow run` can do, pipelines (pipeline_file),
// GPUs, autotuning and staging included; the command itself is this call. SIGINT, SIGTERM and
// SIGHUP are taken over while it runs (they stop the run as Ctrl-C stops coreflow run) and given
// back after; so runs go one at a time, and a call while one runs returns 255 with an error.
COREFLOW_API RunResult Run(const RunOptions& options, TaskObserver* observer = nullptr);

// The short form: the request's fields into RunOptions (words as with -q, no summary, no
// progress display), and an empty `inputs` runs nothing.
COREFLOW_API RunResult Run(const RunRequest& request, TaskObserver* observer = nullptr);

// RunOptions for the request, to add what RunRequest has no field for.
COREFLOW_API RunOptions ToOptions(const RunRequest& request);

// "0.1.0 (commit 65904f3fbf29)": the version and commit of the library.
COREFLOW_API const char* Version();

}  // namespace coreflow
