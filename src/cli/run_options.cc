// `coreflow run` and `coreflow tune`: their options, as CLI11 declares them.
#include <string>

#include "cli/gnu_flags.h"
#include "cli/run_command.h"

namespace coreflow {
namespace {

// An option given as '' (often an unset shell variable) is a mistake, not "not given".
const CLI::Validator kNotEmpty(
    [](std::string& value) { return value.empty() ? std::string("must not be empty") : ""; }, "",
    "");

void AddRunOptions(CLI::App* run, RunOptions* f);
void AddColumnOptions(CLI::App* run, RunOptions* f);

}  // namespace

CLI::App* AddRunCommand(CLI::App& app, RunOptions* f) {
  CLI::App* run = app.add_subcommand(
      "run",
      "Run COMMAND once per input, in parallel across the usable cores.\n"
      "  coreflow run [options] COMMAND [ARGS...] ::: VALUES... [:::+ VALUES...] [:::: FILES...]\n"
      "Without ::: or ::::, inputs are read from standard input, one per line.");
  AddRunOptions(run, f);
  return run;
}

CLI::App* AddTuneCommand(CLI::App& app, RunOptions* f, TuneCacheFlags* cache) {
  CLI::App* tune = app.add_subcommand(
      "tune",
      "Find the fastest -j, -t, -N and --bind for COMMAND on this machine by running a sample "
      "of the inputs, and remember it for `coreflow run --autotune`.\n"
      "  coreflow tune [run options] [--sample N] COMMAND [ARGS...] ::: VALUES...\n"
      "  coreflow tune --list | --clear");
  f->tune_command = true;
  AddRunOptions(tune, f);
  tune->add_option("--sample", f->sample,
                   "Tune on the first N inputs (default: all of them); every one is really run")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  tune->add_flag("--list", cache->list, "List the tuned configurations in the cache");
  tune->add_flag("--clear", cache->clear, "Remove every tuned configuration from the cache");
  return tune;
}

namespace {

// -j, -t, -k and how many inputs go into one command: -N, -X, -m, -s.
void AddShapeOptions(CLI::App* run, RunOptions* f) {
  run->add_option("-j,--jobs,-P,--max-procs", f->jobs,
                  "Tasks at once: N, N% or +N/-N of the usable cores, 0 for many "
                  "(default: one per usable core, or cores / -t)")
      ->check(kNotEmpty);
  run->add_option("-t,--threads-per-task", f->threads,
                  "Threads per task: sets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS "
                  "and the rest for every task (default: cores / slots, or what you exported)")
      ->check(ThreadsValue());
  run->add_flag("-k,--keep-order", f->keep_order, "Print output in input order");
  run->add_option("-N,-n,--max-args", f->max_args,
                  "Put up to N inputs in one command; {} stands for all of them, {n} for the "
                  "n-th (with one input source)")
      ->transform(CountWithMultiplier())
      ->check(CLI::Range(1, 1'000'000));
  run->add_flag("-X", f->context_replace,
                "Put as many inputs in one command as fit the command line (spread over the "
                "slots), repeating each word that holds {} once per input: pre{}post");
  run->add_flag("-m", f->multiple,
                "Like -X, but {} stands for all the inputs side by side, as with -N");
  run->add_option("-s,--max-chars", f->max_chars,
                  "With -X or -m: at most N bytes per command line (default 131072; 1k is 1000, "
                  "1K 1024); an input longer than that runs alone")
      ->transform(CountWithMultiplier())
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
}

// What happens to a task that fails or runs too long.
void AddFailureOptions(CLI::App* run, RunOptions* f) {
  run->add_flag("--split-failed-batches", f->split_failed_batches,
                "When a command of several inputs fails, run its inputs again one by one "
                "instead of retrying them together");
  run->add_option("--timeout", f->timeout,
                  "Kill a task (its whole process group) after this long: 30, 2.5s, 10m, 1h")
      ->check(kNotEmpty);
  run->add_option("--term-grace", f->term_grace,
                  "Time between SIGTERM and SIGKILL when a task is stopped (default 2s)");
  run->add_option("--retries", f->retries,
                  "Run a failing task up to N times in all (0: until it succeeds)")
      ->check(CLI::Range(0, 1'000'000));
  run->add_option("--retry-delay", f->retry_delay,
                  "Wait this long before retrying a failed task, twice as long before each "
                  "further try: 1s, 500ms, 2m")
      ->check(kNotEmpty);
  run->add_flag("--no-retry-timeouts", f->no_retry_timeouts,
                "Do not retry a task killed by --timeout (it would likely time out again)");
}

// --mem-per-task and --memfree.
void AddMemoryOptions(CLI::App* run, RunOptions* f) {
  run->add_option("--mem-per-task", f->mem_per_task,
                  "Memory one task may use, e.g. 4G: runs only as many at once as fit in the "
                  "usable memory, and kills a task (its whole process group) that goes over")
      ->check(kNotEmpty);
  run->add_option("--memfree", f->memfree,
                  "Start no task while less than this much memory is available, e.g. 2G")
      ->check(kNotEmpty);
}

// GPU slots (docs/gpus.md).
void AddGpuOptions(CLI::App* run, RunOptions* f) {
  run->add_option("--gpus", f->gpus,
                  "The GPUs tasks share, by id: --gpus 0,1 or GPU/MIG UUIDs (default: "
                  "CUDA_VISIBLE_DEVICES, else what nvidia-smi lists); each task gets one "
                  "unless --gpus-per-task says otherwise")
      ->check(kNotEmpty);
  run->add_option(
         "--gpus-per-task", f->gpus_per_task,
         "GPUs one task holds: 1, 2, or 0.5 to share a device; a task sees exactly its "
         "own in CUDA_VISIBLE_DEVICES, ROCR_VISIBLE_DEVICES, HIP_VISIBLE_DEVICES and {gpu}")
      ->check(kNotEmpty);
}

// Staging (docs/staging.md).
void AddStagingOptions(CLI::App* run, RunOptions* f) {
  run->add_option("--stage-max", f->stage_max,
                  "Never more than this many bytes of staged copies on scratch at once, e.g. 20G "
                  "(--stage-to, or a pipeline's staging stage)")
      ->check(kNotEmpty);
  run->add_option("--stage-to", f->stage_to,
                  "Copy each input under DIR (node-local scratch) ahead of its command, which "
                  "gets the copy as {}; the copy goes when the command is done")
      ->check(kNotEmpty);
  run->add_option("--prefetch", f->prefetch,
                  "With --stage-to: inputs copied or being copied ahead of the commands at most "
                  "(default: as far as the queues allow)")
      ->check(CLI::Range(1, 1000000));
}

// When to stop early, the journal, resuming, and the files tasks declare.
void AddJournalOptions(CLI::App* run, RunOptions* f) {
  run->add_option("--halt,--halt-on-error", f->halt,
                  "When to stop early: never, soon,fail=N, now,fail=N, soon,fail=N%, "
                  "now,success=N, soon,done=N (default never)");
  run->add_option(
         "--joblog", f->joblog,
         "Record every task in the journal FILE: GNU parallel's 9 joblog columns, then key, "
         "attempt, CPU, memory, slot and outcome (see docs/journal.md); - for stdout")
      ->check(kNotEmpty);
  run->add_flag("--resume", f->resume,
                "Skip the tasks the --joblog journal records as finished; run the rest");
  run->add_option("--shard", f->shard,
                  "Run only part i of n of the inputs (i/n, chosen by each input's values, so "
                  "reordered inputs keep their part), or auto: from a Slurm job array or srun "
                  "step; {shard} in --joblog becomes i")
      ->check(kNotEmpty);
  run->add_flag("--resume-failed", f->resume_failed,
                "Like --resume, but also run again the tasks that failed");
  run->add_option("--resume-from", f->resume_from,
                  "Also skip the tasks that journal FILE records as finished, e.g. another "
                  "shard's (repeat for more); implies --resume")
      ->allow_extra_args(false)
      ->check(kNotEmpty);
  // One path per --outputs: a vector option would otherwise swallow the command words after it.
  run->add_option("--outputs", f->outputs,
                  "A file each task writes, e.g. 'out/{/.}.tsv' (repeat for more): a task whose "
                  "outputs all exist is skipped, one that leaves one missing has failed, and a "
                  "failed attempt's outputs are removed")
      ->allow_extra_args(false)
      ->check(kNotEmpty);
  run->add_flag("--clobber", f->clobber, "Run tasks even when their --outputs exist");
  run->add_flag("--keep-failed-outputs", f->keep_failed_outputs,
                "Move a failed attempt's --outputs to NAME.failed instead of removing them");
}

// Where and how the tasks' output goes.
void AddOutputOptions(CLI::App* run, RunOptions* f) {
  run->add_flag("--dry-run", f->dry_run, "Print the commands instead of running them");
  run->add_option("--results,--res", f->results,
                  "Save each task's stdout, stderr, seq and exit status under DIR/1/VALUE/... "
                  "instead of printing them")
      ->check(kNotEmpty);
  run->add_flag("--line-buffer,--lb", f->line_buffer,
                "Print output a line at a time as it comes (lines never mix)");
  run->add_flag("-u,--ungroup", f->ungroup, "Let tasks write straight to the terminal (fastest)");
  run->add_flag("--group", f->group, "Print each task's output whole when it ends (the default)");
}

// How inputs are read: separators, files, columns.
void AddInputOptions(CLI::App* run, RunOptions* f) {
  run->add_flag("-0,--null", f->null, "Inputs are separated by NUL instead of newline");
  run->add_option("-d,--delimiter", f->delimiter,
                  "Input separator: a character or text, e.g. , or \\r\\n (escapes \\n \\t \\r, "
                  "octal \\0 \\101)")
      ->check(kNotEmpty);
  // One file per -a: a vector option would otherwise swallow the command words after it.
  run->add_option("-a,--arg-file", f->arg_files, "Read inputs from FILE (like :::: FILE)")
      ->allow_extra_args(false);
  run->add_option("--find", f->finds,
                  "Inputs are the paths PATTERN matches ('data/**/*.pdb': '**' is any number of "
                  "directories; ending in / matches directories), walked by several threads, "
                  "in sorted order, streamed as the walk goes on")
      ->allow_extra_args(false)
      ->check(kNotEmpty);
  run->add_option("--find-threads", f->find_threads,
                  "Directories --find reads at once (default 16; more for a slow shared file "
                  "system)")
      ->check(CLI::Range(1, 1024));
  AddColumnOptions(run, f);  // --colsep, --header, --link
  run->add_option("-f,--file", f->pipeline_file,
                  "Run the pipeline that FILE describes (TOML: inputs, then stages; "
                  "see docs/pipelines.md); --dry-run prints its plan")
      ->check(kNotEmpty);
}

// Progress, the summary and the reports.
void AddReportOptions(CLI::App* run, RunOptions* f) {
  run->add_flag("--bar,--progress,--eta", f->progress,
                "Show progress on stderr: done/total, running, failed, rate, ETA");
  run->add_flag("--no-progress", f->no_progress, "Never show progress");
  run->add_option("--report", f->report,
                  "At the end, write a JSON report to FILE: counts, time, speed-up, "
                  "utilization, runtime and memory spread, slowest tasks, failures")
      ->check(kNotEmpty);
  run->add_option("--html", f->html,
                  "At the end, write a self-contained HTML page to FILE: a timeline of every "
                  "task, utilization over time, runtime and memory histograms")
      ->check(kNotEmpty);
  run->add_flag("--no-summary", f->no_summary,
                "Do not print the few lines of summary on stderr at the end");
  run->add_flag("--stats", f->stats,
                "At the end, print coreflow's own CPU time per task and peak memory on stderr");
}

void AddHelpFooter(CLI::App* run) {
  run->footer(
      "Replacement strings: {} input, {.} without extension, {/} basename, {//} dirname,\n"
      "{/.} basename without extension, {#} task number, {%} slot number, {1} {2}... one\n"
      "source (or column, with --colsep), {1.} {2/}... with a transformation, {name}\n"
      "{name.}... a column named in the --header. A command without {} gets the input\n"
      "appended. Examples:\n"
      "  coreflow run gzip -k {} ::: *.txt\n"
      "  coreflow run -t 4 python3 fit.py --in {} --out out/{/.}.json :::: inputs.txt\n"
      "  find . -name '*.pdb' | coreflow run --timeout 10m voronota-run {}\n"
      "  coreflow run --header : --colsep '\\t' fit --a {alpha} --b {beta} :::: params.tsv\n"
      "Exit status: 0 all succeeded, 1-100 that many failed, 101 more, 255 other errors.\n"
      "See docs/run.md for everything else.");
}

// --autotune and how it tunes.
void AddAutotuneOptions(CLI::App* run, RunOptions* f) {
  run->add_flag("--autotune", f->autotune,
                "Choose -j, -t, -N (up to the -N given) and --bind by measuring real tasks of "
                "this run, or take what an earlier tuning on this machine found");
  run->add_option("--tune-mode", f->tune_mode,
                  "quick, default or exhaustive: tuning time against certainty")
      ->check(CLI::IsMember({"quick", "default", "exhaustive"}));
  run->add_option("--tune-param", f->tune_params,
                  "NAME=V1,V2,... or NAME=A..B:x2 (or :+S): a parameter of the program, given "
                  "to it as {param:NAME} and searched with the rest")
      ->allow_extra_args(false);
  run->add_flag("--param-changes-output", f->param_changes_output,
                "The --tune-param values may change what tasks print: skip the check that they "
                "do not, and keep each value's --results apart, in DIR/NAME=VALUE/");
  run->add_flag("--retune", f->retune, "Tune again even when the cache has an answer");
  run->add_flag("--no-tune-cache", f->no_tune_cache, "Neither read nor write the tuning cache");
}

// --colsep/-C, --header and --link/--xapply.
void AddColumnOptions(CLI::App* run, RunOptions* f) {
  const CLI::Validator not_empty(
      [](std::string& v) { return v.empty() ? std::string("must not be empty") : ""; }, "", "");
  run->add_option("-C,--colsep", f->colsep,
                  "Split each input into columns at this text or regular expression (',' '\\t' "
                  "'\\s+'): they become {1} {2} ..., trimmed of white space")
      ->check(not_empty);
  run->add_option("--header", f->header,
                  "--header : takes the first value of each input source as its column names, "
                  "for {name} {name.} ... (columns split at --colsep, else at tabs)")
      ->check(not_empty);
  run->add_flag("--link,--xapply", f->link,
                "Link every input source (as :::+ does), but go on to the longest, starting the "
                "shorter ones over");
}

// --worker and its limits.
void AddWorkerFlags(CLI::App* run, WorkerSettings* f) {
  run->add_option("--worker", f->command,
                  "Start CMD once per slot and send it every task as a line of JSON on its "
                  "stdin (a warm worker; see docs/workers.md); COMMAND becomes the task's "
                  "arguments (default {})")
      ->check(CLI::Validator(
          [](std::string& v) {
            // '' is a mistake (an unset variable), never "no worker"
            return v.find_first_not_of(" \t\n") == std::string::npos
                       ? std::string("needs a command, e.g. --worker 'python3 score.py'")
                       : std::string();
          },
          "", ""));
  run->add_option("--worker-start-timeout", f->start_timeout,
                  "How long a worker may take to say it is ready (default 300s)");
  run->add_option("--worker-max-tasks", f->max_tasks,
                  "Replace a worker by a fresh one after N tasks")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  run->add_option("--worker-max-rss", f->max_rss,
                  "Replace a worker whose resident memory is above SIZE after a task, e.g. 2G");
}

void AddRunOptions(CLI::App* run, RunOptions* f) {
  run->prefix_command();  // everything from the first non-option word on is the template
  AddShapeOptions(run, f);
  AddWorkerFlags(run, &f->worker);
  AddGnuHabitFlags(run, f);
  run->add_flag("--bind", f->bind,
                "Pin each slot's tasks to CPUs of their own: whole cores, kept within one L3 "
                "cache and NUMA node where they fit (also sets OMP_PLACES=cores, "
                "OMP_PROC_BIND=close)");
  AddFailureOptions(run, f);
  AddMemoryOptions(run, f);
  AddGpuOptions(run, f);
  AddStagingOptions(run, f);
  AddJournalOptions(run, f);
  AddOutputOptions(run, f);
  AddInputOptions(run, f);
  AddReportOptions(run, f);
  AddHelpFooter(run);
  AddAutotuneOptions(run, f);
}

}  // namespace
}  // namespace coreflow
