// A run from its description: planned, checked, started, run to its end and reported on.
#include "run/run.h"

#include <unistd.h>

#include <memory>
#include <optional>

#include <fmt/format.h>

#include "base/plural.h"
#include "engine/engine.h"
#include "engine/pinning.h"
#include "exec/process_runner.h"
#include "exec/stage_runners.h"
#include "journal/resume.h"
#include "journal/run_note.h"
#include "journal/writer.h"
#include "report/collector.h"
#include "report/journal_data.h"
#include "report/progress.h"
#include "report/stats.h"
#include "report/summary.h"
#include "run/autotune.h"
#include "run/command_line.h"
#include "run/machine_probe.h"
#include "run/messages.h"
#include "run/param_check.h"
#include "run/pipeline_file.h"
#include "run/report_output.h"
#include "run/run_journal.h"
#include "run/run_plan.h"
#include "run/shard_flag.h"
#include "run/stage_to.h"
#include "sys/clock.h"
#include "sys/fault.h"
#include "sys/fd.h"
#include "sys/process.h"
#include "sys/slot_cgroups.h"

namespace coreflow {
namespace {

// What one run owns while it goes on; members are destroyed in reverse order, the engine's
// observers before the engine and the engine before its runners.
struct RunSession {
  ProcessRunner runner;
  std::unique_ptr<WorkerRunner> workers;
  std::unique_ptr<StageRunners> stages;  // a pipeline with warm workers in some stages
  std::unique_ptr<Engine> engine;
  std::unique_ptr<SlotCgroups> cgroups;
  JournalWriter journal;
  ResumeIndex resume;
  std::unique_ptr<ReportCollector> collector;
  std::unique_ptr<AutotuneController> tuner;
  std::unique_ptr<ProgressDisplay> progress;
  RunSettings settings;  // what the run uses and why, for the journal and the reports
};

// A cached or a starting autotune configuration replaces the planned shape; says so.
void ApplyAutotune(const RunFlags& f, const AutotuneSetup& autotune, RunPlan* plan) {
  if (autotune.tuning || autotune.from_cache) {
    const char* why = autotune.from_cache ? "autotune (cached)" : "autotune";
    plan->resources.slots = plan->config.schedule.slots;
    plan->resources.threads = plan->config.threads_per_task;
    plan->resources.slots_source = plan->resources.threads_source = why;
  }
  if (f.tune_command && f.sample > 0) plan->config.input_limit = f.sample;
  if (!autotune.note.empty()) Say(autotune.note);
  if (autotune.from_cache) {
    const CachedTune& c = autotune.cached;
    plan->pinning = "the tuning cache's answer";
    Say(
        fmt::format("coreflow: autotune: {} from the cache ({:.3g} inputs/s, tuned {} on {}; "
                    "--retune to measure again)\n",
                    c.config.Describe(autotune.space.param_names()), c.rate, c.tuned_at,
                    c.host.empty() ? "?" : c.host));
  }
}

// --bind: which CPUs each slot got (the first eight), and where they were carved from.
void PrintBinding(const RunPlan& plan) {
  std::string shown;
  const auto& slots = plan.config.slot_cpus;
  for (size_t i = 0; i < slots.size() && i < 8; ++i) {
    shown += fmt::format("{}{}", i == 0 ? "" : " | ", FormatCpuList(slots[i]));
  }
  if (slots.size() > 8) shown += " | ...";
  Say(fmt::format("coreflow: --bind: {} on CPUs {} (carved from {})\n",
                  Plural(slots.size(), "slot"), shown, plan.pinning));
}

// The last checks before anything starts: fault injection, report files, the journal.
bool CheckBeforeRun(const RunFlags& f, const Environment& env, const RunPlan& plan,
                    std::string* err) {
  if (const std::string* faults = env.Get("COREFLOW_FAULTS"); faults && !faults->empty()) {
    if (!ConfigureFaults(*faults, err)) {
      *err = "COREFLOW_FAULTS: " + *err;
      return false;
    }
  }
  if (f.dry_run) return true;
  if (!CheckReportPaths(ReportPaths{f.report, f.html}, err)) return false;
  if (!plan.config.slot_cpus.empty()) PrintBinding(plan);
  return CheckJournalIsNoInput(f.joblog, plan.config.sources, err);
}

// The oversubscription warning, or, when an exported thread variable beats -t's default, the
// one that names it (and the threads tasks really get go into the settings).
std::string ThreadsWarning(const RunPlan& plan, RunSettings* settings) {
  if (!plan.exported_threads) return OversubscriptionWarning(plan.resources, plan.cpus);
  const ThreadVariable& v = *plan.exported_threads;
  const ResourcePlan& r = plan.resources;
  int64_t threads = std::stoll(v.value);
  settings->threads_per_task = {threads, v.name + " exported"};
  return fmt::format(
      "{}={} is exported, so each task runs {} threads, not {}: {} slot{} x {} on {} usable "
      "core{}; give -t N to set every thread variable, or unset {}",
      v.name, v.value, threads, r.threads, r.slots, r.slots == 1 ? "" : "s", threads,
      plan.cpus.usable, plan.cpus.usable == 1 ? "" : "s", v.name);
}

// The runners and the engine, prepared; the settings reports show.
bool StartEngine(const RunFlags& f, const RunPlan& plan, RunSession* s, std::string* err) {
  if (!f.coreflow_program.empty()) s->runner.EnableCrashGuard(f.coreflow_program);
  std::vector<std::unique_ptr<WorkerOptions>> stage_workers;
  if (!StageWorkers(plan.config, plan.config.schedule.term_grace, &stage_workers, err)) {
    return false;
  }
  Runner* runner = &s->runner;
  if (!stage_workers.empty()) {
    s->stages = std::make_unique<StageRunners>(&s->runner, std::move(stage_workers));
    runner = s->stages.get();
  } else if (plan.config.worker) {
    s->workers = std::make_unique<WorkerRunner>(&s->runner, plan.worker);
    runner = s->workers.get();
  }
  s->settings = DescribeSettings(plan);
  s->engine = std::make_unique<Engine>(plan.config, runner);  // a copy: the plan is read later
  if (!s->engine->Prepare(err)) return false;
  s->settings.command_template = s->engine->journal_text();
  AddCommandLine(f.command_line, f.joblog, &s->settings);
  std::string warning = ThreadsWarning(plan, &s->settings);
  if (!warning.empty() && !f.dry_run) Warn(warning);
  if (plan.slot_cgroups) {
    std::string why;  // without them the RSS watchdog enforces the limit
    s->cgroups = SlotCgroups::Create("", plan.resources.slots, plan.config.mem_per_task, &why);
    s->engine->SetSlotCgroups(s->cgroups.get());
  }
  return true;
}

// --joblog: opens (or resumes) the journal, ends what earlier runs left, and records the run.
bool AttachJournal(const RunFlags& f, RunSession* s, std::string* err) {
  if (f.joblog.empty() || f.dry_run) return true;
  Engine& engine = *s->engine;
  if (!OpenJournal(f, engine.journal_text(), &s->journal, &s->resume, err)) {
    return false;
  }
  RunNote run{s->runner.run_id(), static_cast<int64_t>(getpid()), HostName(),
              ToSeconds(RealtimeNow()), ShardText(f)};
  s->journal.RecordNote(kRunNoteKind, FormatRunNote(run), s->runner.Now());  // before any task
  if (s->resume.exists() && !EndEarlierRuns(s->resume, f.joblog, err)) return false;
  engine.SetJournal(&s->journal);
  bool has_resume = s->resume.exists() || !s->resume.empty();
  if (has_resume && Resumes(f)) engine.SetResume(&s->resume);
  // For `coreflow report`.
  s->journal.RecordNote("config", SettingsNote(s->settings), s->runner.Now());
  return true;
}

// The report collector, the online tuner and the progress display.
void AttachObservers(const RunFlags& f, const RunPlan& plan, const AutotuneSetup& autotune,
                     RunSession* s) {
  Engine& engine = *s->engine;
  bool wants_report = !f.report.empty() || !f.html.empty();
  if ((wants_report || !f.no_summary) && !f.dry_run) {
    s->collector = std::make_unique<ReportCollector>(/*keep_commands=*/wants_report,
                                                     /*keep_attempts=*/!f.html.empty());
    engine.AddObserver(s->collector.get());
  }
  if (autotune.tuning) {
    s->tuner = std::make_unique<AutotuneController>(&engine, autotune.space, autotune.options);
    engine.AddObserver(s->tuner.get());
  }
  if (plan.show_progress && MessagesFd() >= 0) {
    s->progress = std::make_unique<ProgressDisplay>(MessagesFd(), plan.progress_on_terminal);
    engine.AddObserver(s->progress.get());
  }
  for (RunObserver* o : f.observers) engine.AddObserver(o);
}

void PrintStats(const Engine& engine, bool dry_run, Nanos wall) {
  SelfUsage self = GetSelfUsage();
  RunTotals t = engine.totals();
  uint64_t tasks = dry_run ? engine.dry_run_count() : t.succeeded + t.failed + t.interrupted;
  double cpu_s = static_cast<double>(self.user_ns + self.sys_ns) / 1e9;
  Say(
      fmt::format("coreflow: stats: tasks={} wall_s={:.3f} self_cpu_s={:.3f} "
                  "self_cpu_per_task_us={:.1f} peak_rss_kib={}\n",
                  tasks, ToSeconds(wall), cpu_s,
                  tasks > 0 ? cpu_s * 1e6 / static_cast<double>(tasks) : 0.0, self.max_rss_kib));
}

// What the run skipped or never got, said once it ended.
void PrintRunNotes(const RunFlags& f, const RunPlan& plan, const Engine& engine, bool failed) {
  const std::vector<SourceSpec>& sources = plan.config.sources;
  bool inputs_from_stdin = sources.size() == 1 && sources[0].kind == SourceSpec::Kind::kStdin;
  // Under sbatch or cron stdin is often empty; under coreflow-mpi another rank may have had all.
  bool remote = plan.config.inputs.remote != nullptr;
  if (engine.inputs_read() == 0 && !failed && !remote) {
    Warn(inputs_from_stdin ? "no inputs were read from standard input, so nothing ran; give them "
                             "with ::: VALUES, :::: FILE or a pipe"
                           : "the input sources hold no inputs, so nothing ran");
  }
  if (engine.resumed() > 0 && f.resume_from.empty()) {
    Say(fmt::format("coreflow: resumed: skipped {} that '{}' records as finished\n",
                    Plural(engine.resumed(), "task"), f.joblog));
  } else if (engine.resumed() > 0) {
    Say(fmt::format("coreflow: resumed: skipped {} that '{}' or {} record as finished\n",
                    Plural(engine.resumed(), "task"), f.joblog,
                    Plural(f.resume_from.size(), "other journal")));
  }
  uint64_t have_outputs = engine.tasks_skipped() - engine.resumed();
  if (have_outputs > 0) {
    Say(fmt::format("coreflow: skipped {} task{} whose outputs exist (--clobber runs them)\n",
                    have_outputs, have_outputs == 1 ? "" : "s"));
  }
}

// After an online tuning: says what it chose, caches it, and puts it in the settings.
void FinishTuning(const RunPlan& plan, AutotuneSetup& autotune, RunSession* s) {
  const AutotuneController& tuner = *s->tuner;
  Say(FinishAutotune(autotune, tuner));
  TuneConfig chosen = tuner.chosen();  // what the rest of the run used
  const char* why = tuner.too_few_inputs() > 0 ? "autotune: too few inputs, default" : "autotune";
  s->settings.slots = {chosen.slots, why};
  s->settings.threads_per_task = {chosen.threads, why};
  if (plan.config.batch.mode == BatchOptions::Mode::kCount) {
    s->settings.inputs_per_invocation = {static_cast<int64_t>(chosen.batch), "autotune"};
  }
  s->settings.bind = chosen.bind;
}

// The summary on stderr and the --report / --html files.
bool ReportRun(const RunFlags& f, double started_at, RunSession* s, std::string* err) {
  RunData& data = s->collector->data();
  data.settings = s->settings;
  data.started_at = started_at;
  data.host = HostName();
  RunStats stats = s->collector->Stats();
  if (!f.no_summary) Say(FormatSummary(data, stats));
  return WriteReports(ReportPaths{f.report, f.html}, data, stats, err);
}

// Runs the prepared session and reports on it. Returns the exit status.
int RunSessionToEnd(const RunFlags& f, const RunPlan& plan, AutotuneSetup& autotune,
                    RunSession* s) {
  std::string err;
  if (!f.dry_run && !s->runner.Init(&err)) return UsageError(err);
  double started_at = ToSeconds(RealtimeNow());
  Nanos started = s->runner.Now();
  int status = s->engine->Run(&err);
  if (!err.empty()) SayError(err);
  if (f.stats) PrintStats(*s->engine, f.dry_run, s->runner.Now() - started);
  PrintRunNotes(f, plan, *s->engine, !err.empty());
  if (s->tuner != nullptr) FinishTuning(plan, autotune, s);
  if (s->collector != nullptr && !ReportRun(f, started_at, s, &err)) return UsageError(err);
  return status;
}

// --shard: this run's part of the inputs, and {shard} in the journal's name.
bool ApplyShard(const Environment& env, RunFlags* f, std::string* err) {
  ShardChoice shard;
  if (!f->shard.empty() && !ParseShard(f->shard, env, &shard, err)) return false;
  f->shard_index = shard.index;
  f->shard_count = shard.count;
  return ShardPath(f->joblog, shard, !f->shard.empty(), &f->joblog, err);
}

// The run's pipeline, if it has one: from --stage-to, -f FILE, or the API's pipeline_text or
// pipeline (in code). False with *err; *given false when there is none.
bool LoadGivenPipeline(RunFlags* f, std::vector<std::string>* words, PipelineSpec* spec,
                       bool* given, std::string* err) {
  const bool in_code = !f->pipeline.empty(), as_text = !f->pipeline_text.empty();
  if ((in_code || as_text) &&
      (in_code + as_text + !f->pipeline_file.empty() + !f->stage_to.empty()) > 1) {
    *err =
        "give the pipeline one way: RunOptions::pipeline, pipeline_text, pipeline_file (-f) "
        "or stage_to (--stage-to)";
    return false;
  }
  *given = in_code || as_text || !f->stage_to.empty() || !f->pipeline_file.empty();
  if (!f->stage_to.empty()) return PipelineFromStageTo(f, words, spec, err);
  if (in_code) return LoadPipeline(f->pipeline, "RunOptions::pipeline", spec, err);
  if (as_text) return LoadPipeline(f->pipeline_text, "RunOptions::pipeline_text", spec, err);
  if (!f->pipeline_file.empty()) return ReadPipelineFile(f->pipeline_file, spec, err);
  return true;
}

// A pipeline's first stage becomes flags and words (*spec keeps the rest, for a pipeline of
// several stages). An exit status when there is nothing more to do.
std::optional<int> UsePipelineFile(const Environment& env, RunFlags* f,
                                   std::vector<std::string>* words, PipelineSpec* spec,
                                   std::string* err) {
  if (f->prefetch > 0 && f->stage_to.empty()) {
    *err = "--prefetch is how far --stage-to copies ahead: give --stage-to DIR too";
    return UsageError(*err);
  }
  bool given = false;
  if (!LoadGivenPipeline(f, words, spec, &given, err)) return UsageError(*err);
  if (!given) {
    if (f->stage_max.empty()) return std::nullopt;
    *err =
        "--stage-max caps the copies of a staging stage: give --stage-to DIR, or a pipeline "
        "that has one (-f FILE)";
    return UsageError(*err);
  }
  if (!PrepareStagingStages(env, f->stage_max, f->coreflow_program, spec, err))
    return UsageError(*err);
  if (spec->stages.size() > 1 && f->dry_run) {
    return WriteAll(f->stdout_fd, DescribePipeline(*spec)) == 0 ? 0 : kUsageError;
  }
  bool applied = spec->stages.size() > 1 ? ApplySeveralStages(*spec, f, words, err)
                                         : ApplyOneStage(*spec, f, words, err);
  if (!applied) return UsageError(*err);
  return std::nullopt;
}

}  // namespace

int RunToEnd(const RunFlags& given, const std::vector<std::string>& given_words) {
  // Before anything is opened: with stdout closed, the journal would be opened as
  // descriptor 1 and the tasks' output written into it. A closed one becomes /dev/null.
  if (int e = EnsureStandardFdsOpen()) {
    return UsageError("cannot open /dev/null for a closed standard descriptor: " + ErrnoText(e));
  }
  RunFlags f = ResolveJoblogAppend(given);
  Environment env = ProcessEnvironment();
  std::string err;
  if (!ApplyShard(env, &f, &err)) return UsageError(err);
  std::vector<std::string> rest = given_words;
  PipelineSpec pipeline;
  if (std::optional<int> done = UsePipelineFile(env, &f, &rest, &pipeline, &err)) return *done;
  RunPlan plan;
  bool planned = BuildRunPlan(f, rest, env, ProbeMachine(f, env), &plan, &err);
  for (const std::string& warning : plan.warnings) Warn(warning);
  if (!planned) return UsageError(err);
  if (pipeline.stages.size() > 1) {
    if (!SetStages(pipeline, plan.gpu_source, &plan.config, &err)) return UsageError(err);
    plan.slot_cgroups = false;  // slots are numbered per stage: the RSS watchdog holds mem
  }
  AutotuneSetup autotune;
  if (!PrepareAutotune(f, plan.cpus, &plan.config, &autotune, &err)) return UsageError(err);
  ApplyAutotune(f, autotune, &plan);
  if (!CheckBeforeRun(f, env, plan, &err)) return UsageError(err);
  if (autotune.tuning && !autotune.space.params.empty() && !f.param_changes_output &&
      f.hooks == nullptr) {
    if (std::optional<int> stop = CheckParamsKeepOutput(plan, autotune.space)) return *stop;
  }
  if (f.hooks != nullptr) {
    plan.config.inputs.remote = f.hooks->start(&f, &plan.config, plan.resources.slots, &err);
    if (plan.config.inputs.remote == nullptr) return UsageError(err);
  }
  RunSession session;
  if (!StartEngine(f, plan, &session, &err) || !AttachJournal(f, &session, &err)) {
    return UsageError(err);
  }
  AttachObservers(f, plan, autotune, &session);
  return RunSessionToEnd(f, plan, autotune, &session);
}

}  // namespace coreflow
