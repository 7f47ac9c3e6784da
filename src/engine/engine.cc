#include "engine/engine.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "base/plural.h"
#include "engine/results_dir.h"
#include "exec/output_buffer.h"
#include "exec/worker_protocol.h"
#include "plan/expand.h"
#include "plan/output_path.h"
#include "sys/clock.h"
#include "sys/fd.h"
#include "sys/memory.h"

namespace coreflow {
namespace {

std::string SpawnErrorMessage(const std::string& program, int err) {
  switch (err) {
    case ENOENT:
      return fmt::format("coreflow: {}: command not found\n", program);
    case EACCES:
      return fmt::format("coreflow: {}: permission denied\n", program);
    case ENOEXEC:
      return fmt::format("coreflow: {}: not an executable format\n", program);
    case E2BIG:
      return fmt::format("coreflow: {}: the command line is too long\n", program);
    default:
      return fmt::format("coreflow: cannot execute {}: {}\n", program, ErrnoText(err));
  }
}

Outcome OutcomeFromWaitStatus(int status) {
  Outcome o;
  if (WIFEXITED(status)) {
    o.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    o.signal = WTERMSIG(status);
  }
  return o;
}

}  // namespace

Engine::Engine(RunConfig config, Runner* runner)
    : config_(std::move(config)),
      runner_(runner),
      scheduler_(config_.schedule),
      // A staging stage's copies are checked by the copy itself (sys/copy.h), not skipped.
      outputs_(&disk_, OutputOptions{config_.clobber ||
                                         (!config_.pipeline.empty() && config_.pipeline[0].scratch),
                                     config_.keep_failed_outputs}),
      memory_sampler_(std::make_unique<SystemMemorySampler>(
          config_.meminfo_root, [this](int pid) { return runner_->OrphanGroup(pid); })),
      memory_(memory_sampler_.get(), MemoryLimits{config_.mem_per_task, config_.memfree}),
      writer_(config_.stdout_fd, config_.stderr_fd),
      sink_({config_.output, config_.schedule.keep_order, !config_.results_dir.empty()},
            config_.output_writer != nullptr ? config_.output_writer : &writer_, this) {}

Engine::~Engine() = default;

bool Engine::Prepare(std::string* err) {
  int num_sources = static_cast<int>(config_.sources.size());
  // First, since --header's column names are needed to read the template.
  InputOptions input_options = config_.inputs;
  // A --find walk's listings answer the declared outputs' "is it there yet?" too.
  input_options.on_listing = [this](const std::string& dir, const std::vector<std::string>& names) {
    outputs_.Listed(dir, names);
    for (StagePlan& stage : later_) stage.outputs->Listed(dir, names);
  };
  if (!inputs_.Open(config_.sources, input_options, err)) return false;
  FieldScope scope = inputs_.field_scope();
  scope.num_sources = num_sources;
  scope.syntax = config_.syntax;
  for (const auto& param : config_.params) scope.params.push_back(param.first);
  if (!ParseBatchTemplate(config_.command_text, scope, config_.batch, &template_, err)) {
    return false;
  }
  if (!config_.tag.empty() && !ParseTextTemplate(config_.tag, scope, &tag_, err)) {
    *err = "--tagstring: " + *err;
    return false;
  }
  if (!CheckGpuField(template_, StageId(0), err)) return false;
  sizer_ = std::make_unique<BatchSizer>(&template_, config_.batch);
  if (config_.worker && template_.use_shell && template_.blank_words.empty()) {
    SplitTemplateWords(&template_);  // a worker's arguments are words, never a shell line
  }
  if (!outputs_.Parse(config_.outputs, scope, config_.batch.mode != BatchOptions::Mode::kNone,
                      err)) {
    return false;
  }
  for (const auto& cpus : config_.slot_cpus) slot_masks_.emplace_back(cpus);
  RebuildTaskEnvironment(config_.threads_explicit);
  return PrepareStages(scope, err);
}

void Engine::AddObserver(RunObserver* observer) {
  observers_.push_back(observer);
  wants_command_line_ = wants_command_line_ || observer->WantsCommandLine();
  if (observer->WantsMemory()) memory_.ObserveRss();
  Nanos every = observer->TickInterval();
  if (every > 0 && (observer_tick_ == 0 || every < observer_tick_)) observer_tick_ = every;
}

void Engine::SetSlotCgroups(SlotCgroups* cgroups) {
  cgroups_ = cgroups;
  if (cgroups_ == nullptr) return;
  memory_sampler_->SetSlotCgroups(cgroups_);
  memory_.EnforceInKernel(cgroups_->path());
}

void Engine::SetJournal(JournalWriter* journal) {
  journal_ = std::make_unique<JournalRecorder>(journal);
  journal_->set_host(config_.host_label);
  key_version_ = journal_->key_version();
  wants_command_line_ = true;
}

RunTotals Engine::Totals() const {
  const SchedulerCounts& c = scheduler_.counts();
  RunTotals t;  // in inputs: a batch of k inputs counts k
  t.total = items_queued_ + batch_.input.items.size();
  t.total_known = c.inputs_ended;
  if (precount_known_ && !c.inputs_ended) {
    t.total = std::max<uint64_t>(precounted_, t.total);
    t.total_known = true;
  }
  t.succeeded = items_succeeded_;
  t.failed = items_failed_;
  t.interrupted = items_interrupted_;
  t.skipped = pipelined() ? items_skipped_ : c.skipped;  // in items, as the other counts
  t.running = c.running;
  t.elapsed = now_ - start_;
  t.running_rss_bytes = memory_.running_rss();
  t.rss_known = memory_.rss_known();
  return t;
}

int Engine::Run(std::string* err) {
  if (config_.dry_run) return DryRun(err);
  start_ = now_ = runner_->Now();
  for (RunObserver* o : observers_) {
    if (o->WantsTotal() && !precount_known_) {
      precount_known_ = inputs_.CountRemaining(&precounted_);
      if (config_.input_limit > 0) precounted_ = std::min(precounted_, config_.input_limit);
    }
  }
  for (RunObserver* o : observers_) o->OnRunStarted(start_);  // with the total, where known
  std::vector<RunnerEvent> events;
  if (config_.memfree > 0) CarryOut(memory_.Check());  // before the first start, not after it
  FeedInputs();
  Tick();
  while (!scheduler_.finished()) {
    events.clear();
    if (!runner_->Wait(&events, err)) return 255;  // the runner kills its tasks when destroyed
    now_ = runner_->Now();
    for (RunnerEvent& ev : events) OnRunnerEvent(ev);
    FeedInputs();
    Tick();
  }
  // An error after the scheduler finished (the last output could not be written) fails the
  // run as an abort before it would (Scheduler::ExitStatus: an abort is 255, before all else).
  if (!error_.empty()) exit_status_ = 255;
  runner_->EndStragglers(interrupts_ > 1 ? 0 : config_.schedule.term_grace);
  if (journal_ != nullptr) {
    runner_->ArmTick(0);
    std::string journal_error;
    if (!journal_->RunEnded(exit_status_, now_, &journal_error) && error_.empty()) {
      error_ = journal_error;
      exit_status_ = 255;
    }
  }
  RunTotals totals = Totals();
  for (RunObserver* o : observers_) o->OnRunFinished(totals, exit_status_);
  if (!error_.empty()) {
    *err = error_;
  } else if (!scheduler_.abort_reason().empty()) {
    *err = scheduler_.abort_reason();
  }
  return exit_status_;
}

void Engine::Tick() {
  if (scheduler_.capacity() > 0 && !capacity_announced_ && last_spawn_error_ != 0) {
    capacity_announced_ = true;
    Say(fmt::format(
        "coreflow: warning: only {} of {} can run at once here: starting more fails ({}); "
        "check ulimit -n and ulimit -u\n",
        scheduler_.counts().running, Plural(scheduler_.slots(), "task"),
        ErrnoText(last_spawn_error_)));
  }
  Nanos due = 0;
  if (journal_ != nullptr) {
    due = journal_->SyncDue();
    if (due != 0 && now_ >= due) {
      if (std::string e; !journal_->Sync(now_, &e)) OnJournalError(e);
      due = journal_->SyncDue();
    }
  }
  if (memory_.Watching(scheduler_.counts().running > 0) && !scheduler_.finished()) {
    MemoryVerdict verdict;
    if (memory_.CheckIfDue(now_, &verdict)) CarryOut(verdict);
    if (due == 0 || memory_.next_check() < due) due = memory_.next_check();
  }
  if (observer_tick_ > 0 && !scheduler_.finished()) {
    if (now_ >= next_observer_tick_) {
      memory_.SampleForObservers();  // unless the memory guard's checks sample anyway
      RunTotals totals = Totals();
      for (RunObserver* o : observers_) {
        if (o->TickInterval() > 0) o->OnTick(totals);
      }
      next_observer_tick_ = now_ + observer_tick_;
    }
    if (due == 0 || next_observer_tick_ < due) due = next_observer_tick_;
  }
  if (due != armed_tick_) {
    armed_tick_ = due;
    runner_->ArmTick(due);
  }
}

void Engine::Dispatch(const Event& event) {
  pending_.push_back(event);
  if (dispatching_) return;  // the outer loop below picks it up
  dispatching_ = true;
  while (!pending_.empty()) {
    Event next = std::move(pending_.front());
    pending_.pop_front();
    actions_.clear();
    scheduler_.Handle(next, now_, &actions_);
    for (const Action& a : actions_) Execute(a);
  }
  dispatching_ = false;
}

void Engine::Execute(const Action& action) {
  // One overload per kind: a new action kind that the engine does not carry out does not compile.
  std::visit([this](const auto& a) { Carry(a); }, action);
}

void Engine::Carry(const act::StartTask& a) { StartTask(a); }
void Engine::Carry(const act::SignalTask& a) { runner_->Signal(a.task.value(), a.signal); }
void Engine::Carry(const act::ArmTimer& a) { runner_->ArmTimer(a.at); }
void Engine::Carry(const act::TaskFinished& a) { FinishTask(a); }
void Engine::Carry(const act::ReleaseOutput& a) { ReleaseOutput(a.task.value()); }
void Engine::Carry(const act::RunFinished& a) { exit_status_ = a.exit_status; }

void Engine::StartTask(const act::StartTask& a) {
  const uint64_t seq = a.task.value();
  const int slot = a.slot.value();
  if (!error_.empty()) {
    // The run is failing; the scheduler chose this task before it learnt so. Hand it back.
    Dispatch(ev::StartDeferred{a.task});
    return;
  }
  TaskState& t = tasks_.at(seq);
  t.slot = slot;
  t.attempt = a.attempt;
  t.started = runner_->Now();
  t.started_wall = RealtimeNow();
  t.input.params = config_.params;  // as the tuner has them now
  GiveDevices(t, a.gpus);
  const CommandTemplate& tmpl = TemplateOf(t.stage);
  const bool worker = WorkerOf(t.stage);
  if (worker) {
    worker_args_.clear();
    ExpandWords(tmpl, t.input, slot, &worker_args_);
    worker_request_ = EncodeWorkerRequest(seq, a.attempt, slot, worker_args_, t.input.items);
    command_.argv = {"the --worker command"};  // what a spawn error names
  } else {
    ExpandCommand(tmpl, t.input, slot, &command_);
  }
  TaskEnvironment& env = EnvOf(t.stage);
  env.SetTask(t.input.seq, slot);
  sink_.Start(a.task, tag_.empty() ? "" : ExpandText(tag_, t.input, slot) + "\t",
              config_.verbose ? ExpandCommandLine(tmpl, t.input, slot) + "\n" : "");
  if (!t.refused.empty()) {  // never run, and its outputs never touched
    t.error = t.refused;
    t.could_not_execute = true;
    t.ended = t.started;
    Outcome o;
    o.exit_code = 126;
    Dispatch(ev::TaskExited{a.task, o});
    return;
  }
  if (!t.outputs.empty()) {
    if (t.cut_short && a.attempt == 1) DiscardOutputs(t, /*only_changed=*/false);
    t.before = OutputsOf(t.stage).Identify(t.outputs);
  }
  if (journal_ != nullptr && !RecordStart(t, a)) {
    Dispatch(ev::StartDeferred{a.task});
    return;
  }
  LaunchSpec spec;
  spec.command = &command_;
  spec.envp = env.envp();
  spec.output = config_.output;
  spec.slot = slot;
  if (static_cast<size_t>(slot) <= slot_masks_.size()) {
    spec.cpus = &slot_masks_[static_cast<size_t>(slot) - 1];
  }
  spec.threads = ThreadsOf(t.stage);
  spec.params_generation = params_generation_;
  if (worker) spec.worker_request = &worker_request_;
  spec.stage = t.stage.value();
  if (cgroups_ != nullptr) spec.cgroup_procs_fd = cgroups_->ProcsFd(slot);
  memory_.TaskStarting(a.task, a.slot, MemOf(t.stage), t.input.seq);
  int e = runner_->Start(seq, spec);
  if (e == 0) {
    if (memory_.samples_rss()) memory_.TaskRunning(a.task, runner_->ProcessGroup(seq));
    for (RunObserver* o : observers_) o->OnTaskStarted(seq, slot, a.attempt, t.started);
    return;
  }
  memory_.TaskNotStarted(a.task);
  if (IsTransientSpawnError(e)) {
    last_spawn_error_ = e;
    Dispatch(ev::StartDeferred{a.task});
    return;
  }
  // The command cannot be executed at all: the task fails as a shell would report it.
  t.error = SpawnErrorMessage(command_.argv[0], e);
  t.could_not_execute = true;
  t.ended = t.started;
  Outcome o;
  o.exit_code = e == ENOENT ? 127 : 126;
  Dispatch(ev::TaskExited{a.task, o});
}

void Engine::OnRunnerEvent(RunnerEvent& ev) {
  switch (ev.kind) {
    case RunnerEvent::Kind::kExited: {
      auto it = tasks_.find(ev.handle);
      if (it == tasks_.end()) return;
      TaskState& t = it->second;
      if (ev.began > 0) OnBegan(t, ev.began);
      if (!ev.note.empty()) t.error += ev.note;
      t.ended = ev.at;
      t.usage = ev.usage;
      t.output = std::move(ev.output);
      if (config_.output == OutputMode::kLineBuffer) sink_.Flush(TaskId(ev.handle));
      if (t.output && t.output->spill_error != 0) {
        // The output is kept whole in memory, but the disk is full: start nothing more.
        Drain(fmt::format(
            "cannot spill task output to a temporary file: {}; the output was kept in memory, "
            "no new tasks were started (set TMPDIR to a file system with space)",
            ErrnoText(t.output->spill_error)));
      }
      Outcome outcome = OutcomeFromWaitStatus(ev.wait_status);
      outcome.over_memory = memory_.TaskExited(TaskId{ev.handle}, &t.error);
      if (outcome.ok() && !t.outputs.empty()) CheckOutputs(t, &outcome);
      Dispatch(ev::TaskExited{TaskId(ev.handle), outcome});
      break;
    }
    case RunnerEvent::Kind::kOutput: {
      auto it = tasks_.find(ev.handle);
      if (it != tasks_.end()) OnOutput(ev.handle, it->second, ev.stream, ev.data);
      break;
    }
    case RunnerEvent::Kind::kSignal: {
      ++interrupts_;
      int running = scheduler_.counts().running;
      if (interrupts_ == 1 && running > 0) {
        Say(fmt::format("coreflow: {}: terminating {} (again to kill {} at once)\n",
                        strsignal(ev.signal), Plural(running, "running task"),
                        running == 1 ? "it" : "them"));
      }
      Dispatch(ev::Interrupted{ev.signal});
      break;
    }
    case RunnerEvent::Kind::kTimer:
      Dispatch(ev::TimerFired{});
      break;
    case RunnerEvent::Kind::kTick:
      armed_tick_ = 0;
      break;
    case RunnerEvent::Kind::kInputReady:
      input_blocked_ = false;
      break;
    case RunnerEvent::Kind::kBegan:
      if (auto it = tasks_.find(ev.handle); it != tasks_.end()) {
        OnBegan(it->second, ev.at);
        Dispatch(ev::TaskBegan{TaskId(ev.handle)});
      }
      break;
    case RunnerEvent::Kind::kWorkerReady:
      OnWorkerReady(ev);
      break;
    case RunnerEvent::Kind::kReadable:
    case RunnerEvent::Kind::kWritable:
      break;
  }
}

void Engine::OnBegan(TaskState& t, Nanos began) {
  // Start-up is the worker's, not the task's: the task's time counts from its request.
  if (began <= t.started) return;
  t.started_wall += began - t.started;
  t.started = began;
}

void Engine::OnWorkerReady(const RunnerEvent& ev) {
  if (journal_ != nullptr) {
    std::string e;
    if (!journal_->WorkerReady(SlotId(ev.slot), ev.startup, now_, &e)) OnJournalError(e);
  }
  for (RunObserver* o : observers_) o->OnWorkerReady(ev.slot, ev.startup);
}

void Engine::Fail(const std::string& message) {
  if (error_.empty()) error_ = message;
  Dispatch(ev::Abort{});
}

void Engine::Drain(const std::string& message) {
  if (!error_.empty()) return;
  error_ = message;
  Dispatch(ev::Drain{});
}

void Engine::FinishTask(const act::TaskFinished& a) {
  TaskState& t = tasks_.at(a.task.value());
  if (t.output) {
    t.out_bytes = t.output->out.size();
    t.err_bytes = t.output->err.size();
  }
  if (!t.outputs.empty() && !a.outcome.ok()) DiscardOutputs(t, /*only_changed=*/true);
  std::string command_line;
  if (wants_command_line_) command_line = ExpandCommandLine(TemplateOf(t.stage), t.input, t.slot);
  bool ok = false;
  if (a.final) {
    // A task coreflow stopped is neither done nor failed: a resumed run does it again.
    AttemptOutcome outcome = ClassifyOutcome(a.outcome, t.could_not_execute);
    ok = outcome == AttemptOutcome::kOk;
    uint64_t& count = ok                                        ? items_succeeded_
                      : outcome == AttemptOutcome::kInterrupted ? items_interrupted_
                                                                : items_failed_;
    // A pipeline counts items: done after their last stage, failed at any (not its groups).
    auto stage = static_cast<size_t>(t.stage.value());
    if (!pipelined() || (stage < item_stages_ && (!ok || stage + 1 == item_stages_))) {
      count += t.input.items.size();
    }
  }
  if (journal_ != nullptr || !observers_.empty()) {
    TaskRecord r = Record(t, a, std::move(command_line));
    std::string e;
    if (journal_ != nullptr && !journal_->TaskFinished(r, t.keys, now_, &e)) OnJournalError(e);
    RunTotals totals = Totals();
    for (RunObserver* o : observers_) o->OnTaskFinished(r, totals);
  }
  if (!a.final && a.outcome.interrupted) {
    Say(fmt::format("coreflow: task {} was stopped to free memory (--memfree) and will run again\n",
                    t.input.seq));
  }
  if (a.split) {
    t.split = true;
    SplitBatch(t);
  }
  if (!a.final && WorkerOf(t.stage) && !t.error.empty()) {
    Say(t.error);  // a worker that crashed or broke the protocol is news even if retried
  }
  // The scheduler holds the cores this task freed for the item's next task, if it passed.
  if (a.final && pipelined()) PassOn(t, a.outcome.passed(), /*moved=*/true);
  if (!a.final) {
    // GNU parallel shows only the output of the attempt that counts.
    t.output.reset();
    t.error.clear();
    t.could_not_execute = false;
    t.out_bytes = t.err_bytes = 0;
    t.err_tail.clear();
    t.usage = rusage{};
    return;
  }
  if (!config_.results_dir.empty()) {
    std::string where;
    std::string dir = config_.results_per_params
                          ? ResultsParamsDir(config_.results_dir, t.input.params)  // its values'
                          : config_.results_dir;
    if (int e = WriteTaskResults(dir, t.input, t.output.get(), t.error, a.outcome, &where)) {
      Fail(fmt::format("cannot write results file '{}': {}", where, ErrnoText(e)));
    }
  }
}

}  // namespace coreflow
