#pragma once

// The whole description of a run: every option of `coreflow run`, as a struct. The command
// itself fills one from its command line and calls coreflow::Run() with it, so a program gets
// exactly what the command does. Each field is the option of the same name in docs/run.md;
// sizes and durations are text as on the command line ("2G", "90s"). coreflow.h includes this.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace coreflow {

// An option as it was given, for reports.
struct CommandLineOption {
  std::string name;
  std::string value;
  bool flag = false;
};

// How a run was called: what reports show and what the resume hint is made of. Empty for a
// program's own run (reports then show no command line).
struct CommandLine {
  std::vector<std::string> argv;           // the whole command line, argv[0] included
  size_t subcommand = 0;                   // where "run" is in argv; 0: none
  size_t options_end = 0;                  // where its options end: the command begins
  std::vector<CommandLineOption> options;  // the options in the order given
};

// --worker and its limits (docs/workers.md).
struct WorkerSettings {
  std::string command;        // --worker CMD: warm workers; the command becomes their args
  std::string start_timeout;  // --worker-start-timeout
  uint64_t max_tasks = 0;     // --worker-max-tasks
  std::string max_rss;        // --worker-max-rss
  bool enabled() const { return !command.empty(); }
};

// A pipeline in code: what a -f file holds (docs/pipelines.md), key for key. A field left as
// it is means the key is absent; the checks and messages are the file's.
struct Pipeline {
  struct Input {                      // [[input]]: give one of values, file and glob
    std::vector<std::string> values;  // ::: VALUES
    std::string file;                 // :::: FILE, one value per line
    std::string glob;                 // the files a pattern matches ("pdb/**/*.pdb")
    bool link = false;                // side by side with the input before (:::+)
  };
  struct Stage {          // [[stage]]
    std::string name;     // [a-z][a-z0-9_-]*, unique
    std::string command;  // run per item, or each task's request to `worker`
    std::string worker;   // a warm worker per slot of this stage
    int threads = 0;      // threads per task; 0: the default (1)
    std::string mem;      // "2G": a task's memory limit
    double gpus = 0;      // devices per task (0.5 shares one)
    std::string timeout;  // "10m"
    int retries = 0;
    int slots = 0;                     // tasks of this stage at once; 0: no limit of its own
    std::vector<std::string> outputs;  // the files a task writes, as templates
    std::string gather;                // runs once per group of items alike under this
    int group_size = 0;                // a group is complete at this many items
    std::string stage_to;              // a staging stage: copies each input under this DIR
    int prefetch = 0;                  // with stage_to: items copied ahead at most
    std::string stage_max;             // with stage_to: "20G" of copies at once at most
  };
  std::vector<Input> inputs;
  std::vector<Stage> stages;
  bool empty() const { return stages.empty() && inputs.empty(); }
};

struct RunOptions {
  // What runs: the command template's words, optionally followed by input groups as on the
  // command line ({"gzip", "{}", ":::", "a", "b"}), and inputs taken as they are (one task
  // each). Without either, inputs are read from standard input, one per line.
  std::vector<std::string> command;
  std::vector<std::string> inputs;
  // The coreflow program: staging copies run as its tasks, and its crash guard ends the
  // tasks should this process die. "": the coreflow installed beside the library, or on PATH.
  std::string coreflow_program;
  int stdout_fd = 1;  // where the tasks' output goes (a descriptor the caller owns)
  int stderr_fd = 2;
  int messages_fd = 2;  // where coreflow's own lines go (errors, warnings, notes); -1: nowhere
  CommandLine command_line;

  // The shape: -j, -t, -k, inputs per command (-N, -X, -m, -s), --bind, workers.
  std::string jobs;  // "8", "50%", "+2"; "": one per usable core
  int threads = 0;   // -t
  bool keep_order = false;
  int max_args = 0;              // -N
  bool context_replace = false;  // -X
  bool multiple = false;         // -m
  int64_t max_chars = 0;         // -s
  bool split_failed_batches = false;
  bool bind = false;
  WorkerSettings worker;

  // Failures.
  std::string timeout;
  std::string term_grace = "2s";
  int retries = -1;  // -1: not given
  std::string halt = "never";
  std::string retry_delay;
  bool no_retry_timeouts = false;

  // Memory, GPUs, staging.
  std::string mem_per_task;
  std::string memfree;
  std::string gpus;           // --gpus LIST: the devices tasks share
  std::string gpus_per_task;  // --gpus-per-task N
  std::string stage_max;      // --stage-max SIZE
  std::string stage_to;       // --stage-to DIR: copy each input there before its command
  int prefetch = 0;           // --prefetch K
  bool io_tasks = false;      // --io-tasks
  std::string pipeline_file;  // -f FILE: a pipeline of stages (docs/pipelines.md)
  std::string pipeline_text;  // or the pipeline itself: the TOML text such a file holds
  Pipeline pipeline;          // or the pipeline in code (its file's `jobs` is `jobs` here)

  // The journal (--joblog) and resuming.
  std::string joblog;
  bool resume = false;
  bool resume_failed = false;
  std::vector<std::string> resume_from;
  std::vector<std::string> outputs;  // --outputs: a task whose outputs exist is skipped
  bool clobber = false;
  bool keep_failed_outputs = false;
  std::string shard;  // --shard i/n or auto

  // Output.
  std::string results;
  bool line_buffer = false;
  bool ungroup = false;
  bool group = false;
  bool tag = false;
  std::string tagstring;
  bool verbose = false;
  bool quote = false;          // -q: each word is one argument, with no shell in between
  std::string replace_string;  // -I

  // Inputs.
  bool null = false;  // -0
  std::string delimiter;
  std::vector<std::string> arg_files;  // -a
  std::vector<std::string> finds;      // --find PATTERN
  int find_threads = 16;
  std::string colsep;
  std::string header;
  bool link = false;

  // Progress and reports.
  bool progress = false;
  bool no_progress = false;
  bool stats = false;
  std::string report;  // --report FILE.json
  std::string html;    // --html FILE
  bool no_summary = false;
  bool dry_run = false;
  bool will_cite = false;  // accepted, ignored

  // Autotuning (docs/tuning.md). tune_command: `coreflow tune`, which measures on the first
  // `sample` inputs (0: all) and caches the answer.
  bool autotune = false;
  std::string tune_mode = "default";
  std::vector<std::string> tune_params;  // --tune-param NAME=V1,V2,...
  bool param_changes_output = false;
  bool retune = false;
  bool no_tune_cache = false;
  bool tune_command = false;
  uint64_t sample = 0;
};

}  // namespace coreflow
