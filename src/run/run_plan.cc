#include "run/run_plan.h"

#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "base/parse.h"
#include "engine/pinning.h"
#include "plan/template.h"
#include "run/argv_split.h"
#include "run/gpu_plan.h"
#include "run/input_flags.h"
#include "run/worker_flags.h"
#include "schedule/gpu_pool.h"
#include "schedule/halt.h"

namespace coreflow {
namespace {

std::string JoinWords(const std::vector<std::string>& words) {
  std::string line;
  for (const std::string& w : words) {
    if (!line.empty()) line.push_back(' ');
    line += w;
  }
  return line;
}

// The command template (with -I and -q applied) and where the inputs come from.
bool PlanCommandAndSources(const RunFlags& f, const std::vector<std::string>& rest,
                           const MachineProbe& probe, RunPlan* plan, std::string* err) {
  // Options end where the template begins; an unknown option lands there first.
  if (!rest.empty() && rest[0].size() > 1 && rest[0][0] == '-' && !IsSourceSeparator(rest[0])) {
    *err = fmt::format("unknown option '{}' (see coreflow run --help)", rest[0]);
    return false;
  }
  CommandAndSources parts;
  if (!SplitCommandAndSources(rest, &parts, err)) return false;
  RunConfig& config = plan->config;
  if (!f.replace_string.empty()) config.syntax.input = f.replace_string;
  if (f.quote) {
    if (parts.command.empty()) {
      *err = "-q quotes the command's words, but no command was given";
      return false;
    }
    for (std::string& word : parts.command) word = QuoteTemplateWord(word, config.syntax);
  }
  config.command_text = JoinWords(parts.command);
  // An empty text means "the inputs are the commands" only when no command was given at all;
  // a command given as '' is a mistake (often an unset shell variable).
  if (!parts.command.empty() &&
      config.command_text.find_first_not_of(" \t\n") == std::string::npos) {
    *err = "the command template is empty; give a command, e.g. coreflow run gzip {} ::: *.txt";
    return false;
  }
  if (parts.command.empty() && parts.sources.empty() && f.arg_files.empty() && f.finds.empty() &&
      f.inputs.empty() && probe.stdin_is_terminal) {
    *err = "no command and no inputs; see coreflow run --help";
    return false;
  }
  for (const std::string& file : f.arg_files) {
    SourceSpec s;
    s.kind = SourceSpec::Kind::kFile;
    s.path = file;
    config.sources.push_back(s);
  }
  for (const std::string& pattern : f.finds) {
    SourceSpec s;
    s.kind = SourceSpec::Kind::kFind;
    s.path = pattern;
    config.sources.push_back(s);
  }
  if (!f.inputs.empty()) {
    config.sources.push_back(SourceSpec{SourceSpec::Kind::kArgs, f.inputs, {}, false});
  }
  config.stdout_fd = f.stdout_fd;
  config.stderr_fd = f.stderr_fd;
  for (SourceSpec& s : parts.sources) config.sources.push_back(std::move(s));
  if (config.sources.empty()) {
    config.sources.push_back(SourceSpec{SourceSpec::Kind::kStdin, {}, {}, false});
    if (probe.stdin_is_terminal) {
      plan->warnings.push_back(
          "reading inputs from the terminal, one per line; end them with Ctrl-D");
    }
  }
  return true;
}

// How inputs are split and how output is printed: -d, -0, --colsep, grouping, --tag.
bool PlanInputsAndOutput(const RunFlags& f, RunConfig* config, std::string* err) {
  if (!ResolveInputFlags(f, &config->inputs, err)) return false;
  int modes = (f.line_buffer ? 1 : 0) + (f.ungroup ? 1 : 0) + (f.group ? 1 : 0);
  if (modes > 1) {
    *err = "choose one of --group, --line-buffer and --ungroup";
    return false;
  }
  if (f.line_buffer) config->output = OutputMode::kLineBuffer;
  if (f.ungroup) config->output = OutputMode::kUngroup;
  if (!f.results.empty() && config->output != OutputMode::kGroup) {
    *err = "--results needs grouped output; drop --line-buffer / --ungroup";
    return false;
  }
  config->verbose = f.verbose;
  config->tag = !f.tagstring.empty() ? f.tagstring : f.tag ? "{}" : "";
  if (!config->tag.empty() && (f.ungroup || !f.results.empty())) {
    *err = fmt::format("{} prefixes the lines coreflow prints; it cannot with {}",
                       f.tagstring.empty() ? "--tag" : "--tagstring",
                       f.ungroup ? "--ungroup (use --line-buffer)" : "--results");
    return false;
  }
  return true;
}

// A duration flag's text into *out; the error names the flag.
bool ParseDurationFlag(const char* flag, const std::string& text, Nanos* out, std::string* err) {
  if (ParseDuration(text, out, err)) return true;
  *err = fmt::format("{}: {}", flag, *err);
  return false;
}

// Time limits, retries, --halt, --resume and declared outputs.
bool PlanSchedule(const RunFlags& f, RunConfig* config, std::string* err) {
  SchedulerOptions& s = config->schedule;
  if (!f.timeout.empty()) {
    if (!ParseDurationFlag("--timeout", f.timeout, &s.timeout, err)) return false;
    if (s.timeout <= 0) {
      *err = "--timeout must be more than 0";
      return false;
    }
  }
  if (!ParseDurationFlag("--term-grace", f.term_grace, &s.term_grace, err)) return false;
  if (f.retries >= 0) s.max_attempts = f.retries;
  if (!f.retry_delay.empty() &&
      !ParseDurationFlag("--retry-delay", f.retry_delay, &s.retry_delay, err)) {
    return false;
  }
  s.retry_timeouts = !f.no_retry_timeouts;
  if ((f.resume || f.resume_failed) && (f.joblog.empty() || f.joblog == "-")) {
    *err = "--resume needs --joblog FILE: the journal of the run to resume";
    return false;
  }
  if (!f.resume_from.empty() && (f.joblog.empty() || f.joblog == "-")) {
    *err = "--resume-from needs --joblog FILE: where this run records what it runs";
    return false;
  }
  config->outputs = f.outputs;
  config->clobber = f.clobber;
  config->keep_failed_outputs = f.keep_failed_outputs;
  config->rerun_failed = f.resume_failed;
  if (!ParseHaltPolicy(f.halt, &s.halt, err)) return false;
  s.read_all_inputs = s.halt.percent > 0;
  s.keep_order = f.keep_order;
  return true;
}

// -N, -X, -m and -s: several inputs per command.
bool PlanBatch(const RunFlags& f, RunConfig* config, std::string* err) {
  if ((f.max_args > 0) + f.context_replace + f.multiple > 1) {
    *err = "-N, -X and -m each say how to batch inputs: give one of them";
    return false;
  }
  BatchOptions& b = config->batch;
  if (f.max_args > 0) {
    b.mode = BatchOptions::Mode::kCount;
    b.max_inputs = static_cast<size_t>(f.max_args);
  } else if (f.context_replace || f.multiple) {
    b.mode = f.context_replace ? BatchOptions::Mode::kContext : BatchOptions::Mode::kMultiple;
    b.max_line = static_cast<size_t>(f.max_chars);  // 0: the default
  }
  if (f.max_chars > 0 && b.max_line == 0) {
    *err = "-s sets how long a -X or -m command line may be: give -X or -m too";
    return false;
  }
  if (f.split_failed_batches && b.mode == BatchOptions::Mode::kNone) {
    *err = "--split-failed-batches needs a batch: give -N, -X or -m too";
    return false;
  }
  config->schedule.split_failed_batches = f.split_failed_batches;
  return true;
}

bool PlanWorker(const RunFlags& f, RunPlan* plan, std::string* err) {
  RunConfig& config = plan->config;
  if (!ResolveWorkerFlags(f.worker, config.schedule.term_grace, &plan->worker, err)) return false;
  if (f.worker.enabled()) {
    config.worker = true;
    config.schedule.timeout_from_began = true;  // a worker's start-up is not the task's time
    if (config.command_text.empty()) config.command_text = "{}";  // the values are the args
  }
  return true;
}

// --mem-per-task and --memfree as byte counts.
bool ParseMemoryFlags(const RunFlags& f, RunConfig* config, std::string* err) {
  for (auto [flag, text, out] :
       {std::tuple{"--mem-per-task", &f.mem_per_task, &config->mem_per_task},
        std::tuple{"--memfree", &f.memfree, &config->memfree}}) {
    if (text->empty()) continue;
    int64_t bytes = 0;
    if (!ParseSize(*text, &bytes, err) || bytes <= 0) {
      *err = fmt::format("{}: {}", flag, err->empty() ? "must be more than 0" : *err);
      return false;
    }
    *out = static_cast<uint64_t>(bytes);
  }
  return true;
}

// Slots and threads per task, from -j, -t, the usable cores, exported thread variables and
// memory.
bool PlanSlotsAndThreads(const RunFlags& f, const Environment& env, const MachineProbe& probe,
                         RunPlan* plan, std::string* err) {
  plan->cpus = probe.cpus;
  std::optional<JobsSpec> jobs;
  if (!f.jobs.empty()) {
    JobsSpec spec;
    if (!ParseJobs(f.jobs, &spec, err)) return false;
    jobs = spec;
  }
  plan->resources = PlanResources(jobs, f.threads, plan->cpus);
  if (f.io_tasks) plan->resources.oversubscribed = false;
  if (ThreadVariable v;
      f.threads == 0 && !f.autotune && FindExportedThreads(env, plan->resources.threads, &v)) {
    plan->exported_threads = v;
  }
  RunConfig& config = plan->config;
  if (!ParseMemoryFlags(f, &config, err)) return false;
  if (config.mem_per_task > 0 && !CapSlotsByMemory(config.mem_per_task, probe.memory.usable_bytes,
                                                   probe.memory.source, &plan->resources, err)) {
    return false;
  }
  config.schedule.slots = plan->resources.slots;
  config.threads_per_task = plan->resources.threads;
  config.threads_explicit = f.threads > 0;
  return true;
}

// GPU slots (docs/gpus.md): the devices tasks share, from --gpus, the *_VISIBLE_DEVICES the job
// was given, or nvidia-smi; and in a run of one command, what each task asks (--gpus-per-task,
// 1 when only --gpus is given). A pipeline's stages ask in the file (SetStages).
bool PlanGpus(const RunFlags& f, const Environment& env, const MachineProbe& probe, RunPlan* plan,
              std::string* err) {
  if (f.gpus.empty() && f.gpus_per_task.empty() && !f.stages_ask_gpus) return true;
  RunConfig& config = plan->config;
  std::string which;
  if (!f.gpus.empty()) {
    if (!ParseGpuList(f.gpus, &config.gpu_ids, err)) return false;
    plan->gpu_source = "--gpus";
  } else if (VisibleDevicesFromEnvironment(env, &config.gpu_ids, &which)) {
    plan->gpu_source = config.gpu_ids.empty() ? which + " hides every device" : which;
  } else {
    config.gpu_ids = DeviceIds(probe.gpus);
    plan->gpu_source = config.gpu_ids.empty() ? "no GPU was found (" + probe.gpus.note + ")"
                                              : std::string("nvidia-smi");
  }
  config.schedule.gpu_devices = static_cast<int>(config.gpu_ids.size());
  if (f.autotune || f.tune_command) {
    *err = "autotuning does not tune runs that share out GPUs yet; give -j (and -t)";
    return false;
  }
  if (f.stages_ask_gpus) return true;
  StageOptions task;
  task.gpus = kGpuWhole;
  if (!f.gpus_per_task.empty() &&
      !ParseGpuAsk(f.gpus_per_task, "--gpus-per-task", &task.gpus, err)) {
    return false;
  }
  std::string what = f.gpus_per_task.empty() ? "each task (--gpus)" : "--gpus-per-task";
  if (!CheckGpuAsk(task.gpus, what, config.gpu_ids.size(), plan->gpu_source, err)) return false;
  task.gpus_per_slot = config.worker;  // a warm worker keeps its devices for life
  config.schedule.stages = {task};
  return true;
}

// --memfree above all of the machine's memory would never let a task start.
bool CheckMemfree(const RunFlags& f, const MachineProbe& probe, const RunConfig& config,
                  std::string* err) {
  if (config.memfree == 0 || !probe.mem_total || config.memfree <= *probe.mem_total) return true;
  *err = fmt::format(
      "--memfree {} is more than all of this machine's memory ({:.1f} GiB): no task could ever "
      "start; give a smaller size",
      f.memfree, static_cast<double>(*probe.mem_total) / (1 << 30));
  return false;
}

// Where the run's output goes and what watches it: the progress display and memory cgroups.
void PlanRunSurroundings(const RunFlags& f, const Environment& env, const MachineProbe& probe,
                         RunPlan* plan) {
  RunConfig& config = plan->config;
  config.dry_run = f.dry_run;
  config.results_dir = f.results;
  // Tests stand a directory with a proc/meminfo of their own in for the machine's.
  if (const std::string* root = env.Get("COREFLOW_MEMINFO_ROOT")) config.meminfo_root = *root;
  if (f.bind) {
    config.slot_cpus = CarveSlots(probe.topology, config.schedule.slots);  // sets OMP_PLACES
    plan->pinning = probe.topology_source;
  }
  // On by default where someone watches; --bar asks for it in logs too.
  plan->show_progress = (f.progress || probe.stderr_is_terminal) && !f.no_progress && !f.dry_run;
  plan->progress_on_terminal = probe.stderr_is_terminal;
  // COREFLOW_MEM_CGROUP=0 keeps --mem-per-task to the RSS watchdog (no cgroups are created).
  const std::string* cgroups = env.Get("COREFLOW_MEM_CGROUP");
  plan->slot_cgroups =
      config.mem_per_task > 0 && !f.dry_run && (cgroups == nullptr || *cgroups != "0");
  config.environment = env;
}

}  // namespace

RunFlags ResolveJoblogAppend(RunFlags flags) {
  if (flags.joblog.size() > 1 && flags.joblog[0] == '+') {
    flags.joblog.erase(0, 1);
    flags.joblog_append = true;
  }
  return flags;
}

bool BuildRunPlan(const RunFlags& f, const std::vector<std::string>& rest, const Environment& env,
                  const MachineProbe& probe, RunPlan* plan, std::string* err) {
  // In this order: which usage error a command line with several gets is part of the CLI.
  if (!PlanCommandAndSources(f, rest, probe, plan, err) ||
      !PlanInputsAndOutput(f, &plan->config, err) || !PlanSchedule(f, &plan->config, err) ||
      !PlanBatch(f, &plan->config, err) || !PlanWorker(f, plan, err) ||
      !PlanSlotsAndThreads(f, env, probe, plan, err) ||
      !CheckMemfree(f, probe, plan->config, err) || !PlanGpus(f, env, probe, plan, err)) {
    return false;
  }
  PlanRunSurroundings(f, env, probe, plan);
  return true;
}

RunSettings DescribeSettings(const RunPlan& plan) {
  RunSettings s;
  for (const StageConfig& stage : plan.config.pipeline) s.stages.push_back(stage.name);
  s.slots = {plan.resources.slots, plan.resources.slots_source};
  s.threads_per_task = {plan.resources.threads, plan.resources.threads_source};
  const BatchOptions& b = plan.config.batch;
  switch (b.mode) {
    case BatchOptions::Mode::kNone:
      s.inputs_per_invocation = {1, "default"};
      break;
    case BatchOptions::Mode::kCount:
      s.inputs_per_invocation = {static_cast<int64_t>(b.max_inputs), "-N"};
      break;
    case BatchOptions::Mode::kMultiple:
    case BatchOptions::Mode::kContext:  // 0: as many as fit the command line
      s.inputs_per_invocation = {0, b.mode == BatchOptions::Mode::kContext ? "-X" : "-m"};
      break;
  }
  s.usable_cpus = {plan.cpus.usable, plan.cpus.limited_by};
  s.mem_per_task = static_cast<int64_t>(plan.config.mem_per_task);
  s.bind = !plan.config.slot_cpus.empty();
  s.worker = plan.config.worker;
  for (const SourceSpec& source : plan.config.sources) {
    s.inputs_from_stdin = s.inputs_from_stdin || source.kind == SourceSpec::Kind::kStdin;
  }
  s.known = true;
  return s;
}

}  // namespace coreflow
