#include "cli/run_command.h"

#include <unistd.h>

#include <tuple>

#include <fmt/format.h>

#include "base/hash.h"
#include "base/parse.h"
#include "base/plural.h"
#include "cli/argv_split.h"
#include "cli/autotune.h"
#include "cli/gnu_flags.h"
#include "cli/input_flags.h"
#include "cli/messages.h"
#include "cli/report_output.h"
#include "cli/run_journal.h"
#include "engine/engine.h"
#include "engine/pinning.h"
#include "engine/resources.h"
#include "exec/process_runner.h"
#include "journal/resume.h"
#include "journal/run_note.h"
#include "journal/writer.h"
#include "plan/expand.h"
#include "report/collector.h"
#include "report/journal_data.h"
#include "report/progress.h"
#include "report/stats.h"
#include "report/summary.h"
#include "sys/affinity.h"
#include "sys/clock.h"
#include "sys/cpu.h"
#include "sys/fault.h"
#include "sys/fd.h"
#include "sys/file_state.h"
#include "sys/memory.h"
#include "sys/process.h"
#include "sys/process_tag.h"
#include "sys/topology.h"

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

}  // namespace

namespace {

// Everything `coreflow run` decided before the first task: what to run and with what.
struct RunPlan {
  RunConfig config;
  CpuBudget cpus;
  ResourcePlan resources;
  WorkerOptions worker;  // with --worker
  std::string pinning;   // with --bind: what the slots' CPUs were carved from
  std::optional<ThreadVariable> exported_threads;  // what tasks run instead of -t's default
};

// --bind: each slot's CPUs, carved from the topology hwloc sees (or, without it, from the
// affinity mask alone); *how says which.
std::vector<std::vector<int>> PlanPinning(int slots, std::string* how) {
  Topology topology;
  std::string why;
  if (!LoadTopology(&topology, &why)) {
    CpuMask mask;
    GetThreadAffinity(&mask);
    topology = FlatTopology(mask.cpus());
    *how = "the CPU affinity mask (hwloc: " + why + ")";
  } else {
    *how = fmt::format("hwloc: {}, {}, {}", Plural(topology.numa_nodes, "NUMA node"),
                       Plural(topology.l3_groups, "L3 group"), Plural(topology.cores, "core"));
  }
  return CarveSlots(topology, slots);
}

// Turns the flags and the words after them into a plan. Every usage error is found here,
// before anything runs; false with *err naming the problem.
bool BuildRunPlan(const RunFlags& f, const std::vector<std::string>& rest, RunPlan* plan,
                  std::string* err) {
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
  if (parts.command.empty() && parts.sources.empty() && f.arg_files.empty() &&
      IsTerminal(STDIN_FILENO)) {
    *err = "no command and no inputs; see coreflow run --help";
    return false;
  }
  for (const std::string& file : f.arg_files) {
    SourceSpec s;
    s.kind = SourceSpec::Kind::kFile;
    s.path = file;
    config.sources.push_back(s);
  }
  for (SourceSpec& s : parts.sources) config.sources.push_back(std::move(s));
  if (config.sources.empty()) {
    config.sources.push_back(SourceSpec{SourceSpec::Kind::kStdin, {}, {}, false});
    if (IsTerminal(STDIN_FILENO)) {
      Warn("reading inputs from the terminal, one per line; end them with Ctrl-D");
    }
  }

  if (!ResolveInputFlags(f, &config.inputs, err)) return false;
  int modes = (f.line_buffer ? 1 : 0) + (f.ungroup ? 1 : 0) + (f.group ? 1 : 0);
  if (modes > 1) {
    *err = "choose one of --group, --line-buffer and --ungroup";
    return false;
  }
  if (f.line_buffer) config.output = OutputMode::kLineBuffer;
  if (f.ungroup) config.output = OutputMode::kUngroup;
  if (!f.results.empty() && config.output != OutputMode::kGroup) {
    *err = "--results needs grouped output; drop --line-buffer / --ungroup";
    return false;
  }
  config.verbose = f.verbose;
  config.tag = !f.tagstring.empty() ? f.tagstring : f.tag ? "{}" : "";
  if (!config.tag.empty() && (f.ungroup || !f.results.empty())) {
    *err = fmt::format("{} prefixes the lines coreflow prints; it cannot with {}",
                       f.tagstring.empty() ? "--tag" : "--tagstring",
                       f.ungroup ? "--ungroup (use --line-buffer)" : "--results");
    return false;
  }

  SchedulerOptions& s = config.schedule;
  if (!f.timeout.empty()) {
    if (!ParseDuration(f.timeout, &s.timeout, err)) {
      *err = "--timeout: " + *err;
      return false;
    }
    if (s.timeout <= 0) {
      *err = "--timeout must be more than 0";
      return false;
    }
  }
  if (!ParseDuration(f.term_grace, &s.term_grace, err)) {
    *err = "--term-grace: " + *err;
    return false;
  }
  if (f.retries >= 0) s.max_attempts = f.retries;
  if (!f.retry_delay.empty() && !ParseDuration(f.retry_delay, &s.retry_delay, err)) {
    *err = "--retry-delay: " + *err;
    return false;
  }
  s.retry_timeouts = !f.no_retry_timeouts;
  if ((f.resume || f.resume_failed) && (f.joblog.empty() || f.joblog == "-")) {
    *err = "--resume needs --joblog FILE: the journal of the run to resume";
    return false;
  }
  config.outputs = f.outputs;
  config.clobber = f.clobber;
  config.keep_failed_outputs = f.keep_failed_outputs;
  config.rerun_failed = f.resume_failed;
  if (!ParseHaltPolicy(f.halt, &s.halt, err)) return false;
  s.read_all_inputs = s.halt.percent > 0;
  s.keep_order = f.keep_order;
  if ((f.max_args > 0) + f.context_replace + f.multiple > 1) {
    *err = "-N, -X and -m each say how to batch inputs: give one of them";
    return false;
  }
  BatchOptions& b = config.batch;
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
  s.split_failed_batches = f.split_failed_batches;
  if (!ResolveWorkerFlags(f.worker, s.term_grace, &plan->worker, err)) return false;
  if (f.worker.enabled()) {
    config.worker = true;
    s.timeout_from_began = true;  // a worker's start-up is not the task's time
    if (config.command_text.empty()) config.command_text = "{}";  // the values are the args
  }

  Environment env = ProcessEnvironment();
  plan->cpus = DetectCpuBudget(env);
  std::optional<JobsSpec> jobs;
  if (!f.jobs.empty()) {
    JobsSpec spec;
    if (!ParseJobs(f.jobs, &spec, err)) return false;
    jobs = spec;
  }
  plan->resources = PlanResources(jobs, f.threads, plan->cpus);
  if (ThreadVariable v;
      f.threads == 0 && !f.autotune && FindExportedThreads(env, plan->resources.threads, &v)) {
    plan->exported_threads = v;
  }
  for (auto [flag, text, out] :
       {std::tuple{"--mem-per-task", &f.mem_per_task, &config.mem_per_task},
        std::tuple{"--memfree", &f.memfree, &config.memfree}}) {
    if (text->empty()) continue;
    int64_t bytes = 0;
    if (!ParseSize(*text, &bytes, err) || bytes <= 0) {
      *err = fmt::format("{}: {}", flag, err->empty() ? "must be more than 0" : *err);
      return false;
    }
    *out = static_cast<uint64_t>(bytes);
  }
  if (config.mem_per_task > 0) {
    MemoryBudget memory = DetectMemoryBudget(env);
    if (!CapSlotsByMemory(config.mem_per_task, memory.usable_bytes, memory.source, &plan->resources,
                          err)) {
      return false;
    }
  }
  s.slots = plan->resources.slots;
  config.threads_per_task = plan->resources.threads;
  config.threads_explicit = f.threads > 0;
  config.dry_run = f.dry_run;
  config.results_dir = f.results;
  // Tests stand a directory with a proc/meminfo of their own in for the machine's.
  if (const char* root = getenv("COREFLOW_MEMINFO_ROOT")) config.meminfo_root = root;
  uint64_t total = 0;
  if (config.memfree > 0 && ReadMemTotal(config.meminfo_root, &total) && config.memfree > total) {
    *err = fmt::format(
        "--memfree {} is more than all of this machine's memory ({:.1f} GiB): no task could ever "
        "start; give a smaller size",
        f.memfree, static_cast<double>(total) / (1 << 30));
    return false;
  }
  if (f.bind) {
    config.slot_cpus = PlanPinning(s.slots, &plan->pinning);  // the engine sets OMP_PLACES
  }
  config.environment = std::move(env);
  return true;
}

// What the run uses and why, for the journal's '#config' note and the reports.
RunSettings DescribeSettings(const RunPlan& plan) {
  RunSettings s;
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

// COREFLOW_MEM_CGROUP=0 keeps --mem-per-task to the RSS watchdog (no cgroups are created).
bool MemoryCgroupsWanted() {
  const char* v = getenv("COREFLOW_MEM_CGROUP");
  return v == nullptr || std::string_view(v) != "0";
}

void PrintStats(const Engine& engine, bool dry_run, Nanos wall) {
  SelfUsage self = GetSelfUsage();
  RunTotals t = engine.totals();
  uint64_t tasks = dry_run ? engine.dry_run_count() : t.succeeded + t.failed + t.interrupted;
  double cpu_s = static_cast<double>(self.user_ns + self.sys_ns) / 1e9;
  fmt::print(stderr,
             "coreflow: stats: tasks={} wall_s={:.3f} self_cpu_s={:.3f} "
             "self_cpu_per_task_us={:.1f} peak_rss_kib={}\n",
             tasks, ToSeconds(wall), cpu_s,
             tasks > 0 ? cpu_s * 1e6 / static_cast<double>(tasks) : 0.0, self.max_rss_kib);
}

}  // namespace

int RunMain(const RunFlags& given, const std::vector<std::string>& rest) {
  RunFlags f = given;
  if (f.joblog.size() > 1 && f.joblog[0] == '+') {  // GNU parallel's --joblog +FILE: append
    f.joblog.erase(0, 1);
    f.joblog_append = true;
  }
  if (f.tune_list) return ListTuneCache(ProcessEnvironment());
  if (f.tune_clear) return ClearTuneCache(ProcessEnvironment());
  std::string err;
  RunPlan plan;
  if (!BuildRunPlan(f, rest, &plan, &err)) return UsageError(err);
  AutotuneSetup autotune;
  if (!PrepareAutotune(f, plan.cpus, &plan.config, &autotune, &err)) return UsageError(err);
  if (autotune.tuning || autotune.from_cache) {
    const char* why = autotune.from_cache ? "autotune (cached)" : "autotune";
    plan.resources.slots = plan.config.schedule.slots;
    plan.resources.threads = plan.config.threads_per_task;
    plan.resources.slots_source = plan.resources.threads_source = why;
  }
  if (f.tune_command && f.sample > 0) plan.config.input_limit = f.sample;
  if (!autotune.note.empty()) fmt::print(stderr, "{}", autotune.note);
  if (autotune.from_cache) {
    const CachedTune& c = autotune.cached;
    plan.pinning = "the tuning cache's answer";
    fmt::print(stderr,
               "coreflow: autotune: {} from the cache ({:.3g} inputs/s, tuned {} on {}; "
               "--retune to measure again)\n",
               c.config.Describe(), c.rate, c.tuned_at, c.host.empty() ? "?" : c.host);
  }

  if (const char* faults = getenv("COREFLOW_FAULTS"); faults != nullptr && *faults != '\0') {
    if (!ConfigureFaults(faults, &err)) return UsageError("COREFLOW_FAULTS: " + err);
  }
  ReportPaths report_paths{f.report, f.html};
  if (!f.dry_run && !CheckReportPaths(report_paths, &err)) return UsageError(err);
  if (!plan.config.slot_cpus.empty() && !f.dry_run) {
    std::string shown;
    const auto& slots = plan.config.slot_cpus;
    for (size_t i = 0; i < slots.size() && i < 8; ++i) {
      shown += fmt::format("{}{}", i == 0 ? "" : " | ", FormatCpuList(slots[i]));
    }
    if (slots.size() > 8) shown += " | ...";
    fmt::print(stderr, "coreflow: --bind: {} on CPUs {} (carved from {})\n",
               Plural(slots.size(), "slot"), shown, plan.pinning);
  }
  if (!f.dry_run && !CheckJournalIsNoInput(f.joblog, plan.config.sources, &err)) {
    return UsageError(err);
  }
  ProcessRunner runner;
  runner.EnableCrashGuard("/proc/self/exe");
  std::unique_ptr<WorkerRunner> workers;
  if (plan.config.worker) workers = std::make_unique<WorkerRunner>(&runner, plan.worker);
  uint64_t mem_per_task = plan.config.mem_per_task;
  bool inputs_from_stdin =
      plan.config.sources.size() == 1 && plan.config.sources[0].kind == SourceSpec::Kind::kStdin;
  RunSettings settings = DescribeSettings(plan);
  Engine engine(std::move(plan.config), workers ? static_cast<Runner*>(workers.get()) : &runner);
  if (!engine.Prepare(&err)) return UsageError(err);
  settings.command_template = engine.command_template().text;
  AddInvocation(f.invocation, f.joblog, &settings);
  std::string warning = OversubscriptionWarning(plan.resources, plan.cpus);
  if (plan.exported_threads) {  // the user's export wins over -t's default: say so, and show it
    const ThreadVariable& v = *plan.exported_threads;
    int64_t threads = std::stoll(v.value);
    settings.threads_per_task = {threads, v.name + " exported"};
    warning = fmt::format(
        "{}={} is exported, so each task runs {} threads, not {}: {} slot{} x {} on {} usable "
        "core{}; give -t N to set every thread variable, or unset {}",
        v.name, v.value, threads, plan.resources.threads, plan.resources.slots,
        plan.resources.slots == 1 ? "" : "s", threads, plan.cpus.usable,
        plan.cpus.usable == 1 ? "" : "s", v.name);
  }
  if (!warning.empty() && !f.dry_run) Warn(warning);

  std::unique_ptr<SlotCgroups> cgroups;
  if (mem_per_task > 0 && !f.dry_run && MemoryCgroupsWanted()) {
    std::string why;  // without them the RSS watchdog enforces the limit
    cgroups = SlotCgroups::Create("", plan.resources.slots, mem_per_task, &why);
    engine.SetSlotCgroups(cgroups.get());
  }
  JournalWriter journal;
  ResumeIndex resume;
  if (!f.joblog.empty() && !f.dry_run) {
    if (!OpenJournal(f, engine.command_template().text, &journal, &resume, &err)) {
      return UsageError(err);
    }
    RunNote run{runner.run_id(), static_cast<int64_t>(getpid()), HostName(),
                ToSeconds(RealtimeNow())};
    journal.RecordNote(kRunNoteKind, FormatRunNote(run), runner.Now());  // before any task
    if (resume.exists() && !EndEarlierRuns(resume, f.joblog, &err)) {
      fmt::print(stderr, "coreflow: error: {}\n", err);
      return 255;
    }
    engine.SetJournal(&journal);
    if (resume.exists() && (f.resume || f.resume_failed)) engine.SetResume(&resume);
    journal.RecordNote("config", SettingsNote(settings), runner.Now());  // for `coreflow report`
  }
  bool wants_report = !report_paths.json.empty() || !report_paths.html.empty();
  std::unique_ptr<ReportCollector> collector;
  if ((wants_report || !f.no_summary) && !f.dry_run) {
    collector = std::make_unique<ReportCollector>(/*keep_commands=*/wants_report,
                                                  /*keep_attempts=*/!report_paths.html.empty());
    engine.AddObserver(collector.get());
  }
  std::unique_ptr<AutotuneController> tuner;
  if (autotune.tuning) {
    tuner = std::make_unique<AutotuneController>(&engine, autotune.space, autotune.options);
    engine.AddObserver(tuner.get());
  }
  std::unique_ptr<ProgressDisplay> progress;
  // On by default where someone watches; --bar asks for it in logs too.
  bool show_progress = f.progress || IsTerminal(STDERR_FILENO);
  if (show_progress && !f.no_progress && !f.dry_run) {
    progress = std::make_unique<ProgressDisplay>(STDERR_FILENO, IsTerminal(STDERR_FILENO));
    engine.AddObserver(progress.get());
  }
  if (!f.dry_run && !runner.Init(&err)) {
    fmt::print(stderr, "coreflow: error: {}\n", err);
    return 255;
  }
  double started_at = ToSeconds(RealtimeNow());
  Nanos started = runner.Now();
  int status = engine.Run(&err);
  if (!err.empty()) fmt::print(stderr, "coreflow: error: {}\n", err);
  if (f.stats) PrintStats(engine, f.dry_run, runner.Now() - started);
  if (engine.inputs_read() == 0 && err.empty()) {  // under sbatch or cron stdin is often empty
    Warn(inputs_from_stdin ? "no inputs were read from standard input, so nothing ran; give them "
                             "with ::: VALUES, :::: FILE or a pipe"
                           : "the input sources hold no inputs, so nothing ran");
  }
  if (engine.resumed() > 0) {
    fmt::print(stderr, "coreflow: resumed: skipped {} task{} that '{}' records as finished\n",
               engine.resumed(), engine.resumed() == 1 ? "" : "s", f.joblog);
  }
  uint64_t have_outputs = engine.totals().skipped - engine.resumed();
  if (have_outputs > 0) {
    fmt::print(stderr, "coreflow: skipped {} task{} whose outputs exist (--clobber runs them)\n",
               have_outputs, have_outputs == 1 ? "" : "s");
  }
  if (tuner != nullptr) {
    fmt::print(stderr, "{}", FinishAutotune(autotune, *tuner));
    TuneConfig chosen = tuner->chosen();  // what the rest of the run used
    const char* why =
        tuner->too_few_inputs() > 0 ? "autotune: too few inputs, default" : "autotune";
    settings.slots = {chosen.slots, why};
    settings.threads_per_task = {chosen.threads, why};
    if (plan.config.batch.mode == BatchOptions::Mode::kCount) {
      settings.inputs_per_invocation = {static_cast<int64_t>(chosen.batch), "autotune"};
    }
    settings.bind = chosen.bind;
  }
  if (collector != nullptr) {
    RunData& data = collector->data();
    data.settings = settings;
    data.started_at = started_at;
    data.host = HostName();
    RunStats stats = collector->Stats();
    if (!f.no_summary) fmt::print(stderr, "{}", FormatSummary(data, stats));
    if (!WriteReports(report_paths, data, stats, &err)) {
      fmt::print(stderr, "coreflow: error: {}\n", err);
      return 255;
    }
  }
  return status;
}

}  // namespace coreflow
