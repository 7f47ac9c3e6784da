#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/invocation.h"
#include "cli/worker_flags.h"

namespace coreflow {

struct RunConfig;
struct RunFlags;
class RunObserver;
class TupleQueue;

// What coreflow-mpi (src/mpi/, docs/mpi.md) changes in a run.
struct RunHooks {
  // Called on every rank once the run is planned, before any journal is read or written or
  // any task starts, so that the ranks may meet there: may rename the journal and name others
  // to resume from, and set the Host column; returns the queue the engine takes its inputs
  // from instead of its own sources. Null with *err on what the ranks cannot do.
  std::function<TupleQueue*(RunFlags* flags, RunConfig* config, int slots, std::string* err)> start;
};

// The raw values of `coreflow run`'s options, validated by RunMain.
struct RunFlags {
  const RunHooks* hooks = nullptr;  // coreflow-mpi's; null for plain coreflow
  // The C++ API's (include/coreflow/coreflow.h): inputs taken as they are, one task each;
  // observers told of every task; no crash guard (this process is not the coreflow binary).
  std::vector<std::string> input_values;
  std::vector<RunObserver*> observers;
  bool crash_guard = true;
  int stdout_fd = 1;  // where the tasks' output goes
  int stderr_fd = 2;
  std::string jobs;
  int threads = 0;
  bool keep_order = false;
  std::string timeout;
  std::string term_grace = "2s";
  int retries = -1;  // -1: not given
  std::string halt = "never";
  std::string retry_delay;
  bool no_retry_timeouts = false;
  std::string joblog;
  bool joblog_append = false;  // --joblog +FILE
  bool resume = false;
  bool resume_failed = false;
  std::vector<std::string> resume_from;  // --resume-from FILE: other journals to skip by
  std::vector<std::string> outputs;
  bool clobber = false;
  bool keep_failed_outputs = false;
  std::string mem_per_task;
  std::string memfree;
  std::string gpus;              // --gpus LIST: the devices tasks share
  std::string gpus_per_task;     // --gpus-per-task N
  bool stages_ask_gpus = false;  // a pipeline's stages ask for GPUs (-f FILE)
  std::string stage_max;         // --stage-max SIZE: a staging stage's copies on scratch at once
  std::string stage_to;          // --stage-to DIR: copy each input there before its command
  int prefetch = 0;              // --prefetch K: with --stage-to, items copied ahead at most
  bool io_tasks = false;  // tasks wait on I/O (coreflow stage): more than the cores is no warning
  bool dry_run = false;
  std::string results;
  bool line_buffer = false;
  bool ungroup = false;
  bool group = false;
  bool null = false;
  std::string delimiter;
  std::vector<std::string> arg_files;
  std::string shard;         // --shard i/n or auto: this run's part of the inputs
  uint32_t shard_index = 0;  // from --shard (0-based)
  uint32_t shard_count = 1;
  std::vector<std::string> finds;  // --find PATTERN: inputs from a parallel directory walk
  int find_threads = 16;           // --find-threads
  std::string pipeline_file;       // -f FILE: a pipeline (docs/pipelines.md)
  std::string colsep;              // --colsep, -C
  std::string header;              // --header
  bool link = false;               // --link, --xapply
  bool progress = false;
  bool no_progress = false;
  bool stats = false;
  std::string report;  // --report FILE.json
  std::string html;    // --html FILE
  bool no_summary = false;
  Invocation invocation;         // how coreflow was called: for reports and the resume hint
  int max_args = 0;              // -N
  bool context_replace = false;  // -X
  bool multiple = false;         // -m
  int64_t max_chars = 0;         // -s: -X and -m's command line budget
  bool split_failed_batches = false;
  bool verbose = false;        // -v
  bool quote = false;          // -q
  std::string replace_string;  // -I
  bool tag = false;            // --tag
  std::string tagstring;       // --tagstring
  bool will_cite = false;      // --will-cite: accepted, ignored
  WorkerFlags worker;
  bool bind = false;  // --bind
  bool autotune = false;
  std::string tune_mode = "default";
  std::vector<std::string> tune_params;  // --tune-param NAME=V1,V2,...
  bool param_changes_output = false;     // --param-changes-output: results apart per value
  bool retune = false;
  bool no_tune_cache = false;
  // `coreflow tune`: tune offline on the first `sample` inputs, or manage the cache.
  bool tune_command = false;
  uint64_t sample = 0;
  bool tune_list = false;
  bool tune_clear = false;
};

// Whether the run resumes: --resume, --resume-failed, or --resume-from (which implies --resume).
inline bool Resumes(const RunFlags& f) {
  return f.resume || f.resume_failed || !f.resume_from.empty();
}

// Declares `coreflow run` and its options on `app`.
CLI::App* AddRunCommand(CLI::App& app, RunFlags* flags);
// Declares `coreflow tune`: run's options, plus --sample, --list and --clear.
CLI::App* AddTuneCommand(CLI::App& app, RunFlags* flags);

// Runs `coreflow run` once CLI11 has parsed the options; `rest` is everything from the command
// template on. Returns the exit status.
int RunMain(const RunFlags& flags, const std::vector<std::string>& rest);

}  // namespace coreflow
