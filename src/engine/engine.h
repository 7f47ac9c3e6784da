#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/environment.h"
#include "engine/declared_outputs.h"
#include "engine/gather_groups.h"
#include "engine/journal_recorder.h"
#include "engine/memory_guard.h"
#include "engine/output_sink.h"
#include "engine/run_shaper.h"
#include "engine/stage_plan.h"
#include "engine/task_env.h"
#include "engine/thread_env.h"
#include "exec/runner.h"
#include "inputs/combine.h"
#include "journal/resume.h"
#include "journal/writer.h"
#include "plan/batch.h"
#include "plan/template.h"
#include "report/observer.h"
#include "schedule/scheduler.h"
#include "sys/disk.h"
#include "sys/file_state.h"
#include "sys/memory_sampler.h"
#include "sys/slot_cgroups.h"

namespace coreflow {

// Everything one run needs, already resolved from flags, environment and defaults.
struct RunConfig {
  std::string command_text;  // the command words joined by spaces; "" = inputs are commands
  TemplateSyntax syntax;     // -I: how the input is spelled in command_text
  bool verbose = false;      // -v: print each command on stdout before its output
  std::string tag;           // --tag, --tagstring: text put before each output line, a template
  std::vector<SourceSpec> sources;
  std::string host_label;  // the journal's Host column (coreflow-mpi: "node/rank"); "" = ':'

  InputOptions inputs;  // -d, -0, --colsep, --header, --link
  SchedulerOptions schedule;
  BatchOptions batch;   // -N, -m, -X: several inputs per command
  bool worker = false;  // --worker: tasks go to warm workers as request lines (the Runner's)
  std::vector<std::vector<int>> slot_cpus;  // --bind: each slot's CPUs; empty: no pinning
  uint64_t input_limit = 0;                 // read no more inputs than this (0: all)
  int threads_per_task = 1;
  bool threads_explicit = false;  // -t given: override the user's exported thread variables
  // --tune-param: each parameter's name and its value now ({param:NAME}); the tuner changes
  // the values between trials (RunShape::params).
  std::vector<std::pair<std::string, std::string>> params;
  OutputMode output = OutputMode::kGroup;
  bool dry_run = false;
  std::string results_dir;           // --results: task output goes to files there instead of stdout
  bool results_per_params = false;   // --param-changes-output: under DIR/NAME=VALUE,.../
  std::vector<std::string> outputs;  // --outputs: path templates of the files a task writes
  bool clobber = false;              // run tasks even when their outputs exist
  bool keep_failed_outputs = false;  // move a failed attempt's outputs aside, not delete them
  bool rerun_failed = false;         // --resume-failed: a failed task in the journal runs again
  uint64_t mem_per_task = 0;         // bytes; a task whose process group holds more is killed
  uint64_t memfree = 0;              // bytes; no task starts while less memory is available
  std::string meminfo_root;          // --memfree reads <this>/proc/meminfo ("": the real one)
  Environment environment;           // what tasks inherit; thread variables are added to it
  // The ids of the GPUs tasks share (schedule.gpu_devices of them, docs/gpus.md); empty:
  // coreflow leaves the device variables as they are.
  std::vector<std::string> gpu_ids;
  int stdout_fd = 1;
  int stderr_fd = 2;
  StreamWriter* output_writer = nullptr;  // where tasks print instead (coreflow-mpi's ranks)
  // A pipeline of several stages (docs/pipelines.md): every stage, the first being the run's
  // own command_text, outputs and threads above; empty for a run of one command.
  std::vector<StageConfig> pipeline;
};

// Wires one run: inputs -> planner -> scheduler <-> runner -> observers (joblog, progress).
// It owns no process and reads no clock itself; the Runner does both.
class Engine : public RunShaper, private OutputSink::Listener {
 public:
  Engine(RunConfig config, Runner* runner);
  ~Engine() override;

  // Parses the template and opens the inputs. Usage errors surface here, before any task.
  bool Prepare(std::string* err);
  void AddObserver(RunObserver* observer);
  // Every attempt is recorded there (and every start, so a crash shows what was cut short).
  // Keys follow the journal's version (journal->version()).
  void SetJournal(JournalWriter* journal);
  // What an earlier run finished: those tasks are skipped (--resume).
  void SetResume(const ResumeIndex* index) { resume_ = index; }
  // --mem-per-task through per-slot cgroups: the kernel enforces the limit, so the RSS
  // watchdog is not needed.
  void SetSlotCgroups(SlotCgroups* cgroups);
  // Runs every task. Returns GNU parallel's exit status; *err holds a message for 255.
  int Run(std::string* err);
  // Changes the shape of the run for every task that starts from now on; those running go on
  // as they are. Safe to call from an observer.
  void Reshape(const RunShape& shape) override;
  int threads_per_task() const override { return config_.threads_per_task; }
  int slots() const override { return scheduler_.slots(); }

  const CommandTemplate& command_template() const { return template_; }
  // What the journal's header names: the template, or every stage's of a pipeline.
  std::string journal_text() const;
  RunTotals totals() const override { return Totals(); }
  uint64_t dry_run_count() const { return dry_run_count_; }
  uint64_t resumed() const { return resumed_; }  // tasks skipped as finished in the journal
  // Tasks never started: finished before (journal) or their outputs exist.
  uint64_t tasks_skipped() const { return scheduler_.counts().skipped; }
  uint64_t inputs_read() const { return items_read_ + dry_run_count_; }
  const std::vector<ThreadVariable>& thread_variables() const { return thread_variables_; }

 private:
  struct TaskState {
    TaskInput input;
    StageId stage;  // of a pipeline; 0 in a run of one command
    int slot = 0;
    int attempt = 0;
    Nanos queued = 0;  // when the scheduler got it: its wait for a slot ends at `started`
    Nanos started = 0;
    Nanos started_wall = 0;
    Nanos ended = 0;
    rusage usage{};
    std::unique_ptr<CapturedOutput> output;
    uint64_t out_bytes = 0;
    uint64_t err_bytes = 0;
    std::string err_tail;  // --line-buffer: the end of its stderr, for reports
    std::string error;     // why it could not be executed, or lacks an output
    bool could_not_execute = false;
    std::vector<Hash128> keys;         // TaskKey of each input, when a journal or outputs need it
    bool cut_short = false;            // the journal shows an attempt that never finished
    std::vector<std::string> outputs;  // declared output paths, every input's in turn
    std::vector<FileIdentity> before;  // what was at those paths when the attempt started
    // Cut short: what was at each path when the cut attempt began (journal version 2); a path
    // without it is unknown, and removed as possibly half written.
    std::vector<std::optional<FileIdentity>> cut_before;
    std::string refused;  // why it must not run at all (an output outside its directory)
    bool split = false;   // its inputs came back as tasks of their own, which print for them
  };

  int DryRun(std::string* err);
  void FeedInputs();
  void AddInput(std::vector<std::string> values);
  void QueueBatch();      // the batch being formed goes to the scheduler
  void QueueLastBatch();  // the same when the input has ended: -m, -X spread it
  // Inputs [first, last) of `batch`, with what is kept per input, moved into a task of their own.
  TaskState TakeInputs(TaskState& batch, size_t first, size_t last) const;
  bool Admit(TaskState& item);  // false when the input is skipped
  void Skip(TaskState item, bool record);
  void RecordSkip(const TaskState& t);
  void SplitBatch(const TaskState& batch);  // --split-failed-batches
  void CheckOutputs(TaskState& t, Outcome* outcome);
  void ExpandOutputs(TaskState& item);  // fills outputs (and refused, when one escapes)
  bool RecordStart(const TaskState& t, const act::StartTask& a);  // false: the journal failed
  void DiscardOutputs(TaskState& t, bool only_changed);
  void OnJournalError(const std::string& message);
  void Tick();
  void CarryOut(const MemoryVerdict& verdict);  // the memory guard's kills and start rules
  void Dispatch(const Event& event);
  void Execute(const Action& action);
  void Carry(const act::StartTask& a);
  void Carry(const act::SignalTask& a);
  void Carry(const act::ArmTimer& a);
  void Carry(const act::TaskFinished& a);
  void Carry(const act::ReleaseOutput& a);
  void Carry(const act::RunFinished& a);
  void StartTask(const act::StartTask& a);
  void FinishTask(const act::TaskFinished& a);
  TaskRecord Record(const TaskState& t, const act::TaskFinished& a, std::string command_line);
  void ReleaseOutput(uint64_t seq);
  void OnRunnerEvent(RunnerEvent& ev);
  void OnBegan(TaskState& t, Nanos began);
  // The environment tasks start with: thread variables, and OpenMP placement when pinned.
  void RebuildTaskEnvironment(bool explicit_threads);  // a warm worker got the task only now
  void OnWorkerReady(const RunnerEvent& ev);
  void OnOutput(uint64_t seq, TaskState& t, int stream, const std::string& data);
  void Say(const std::string& message);  // a message of coreflow's own on stderr
  // OutputSink::Listener: observers hear of writes; a failed write stops the run.
  void OnOutputBegin() override;
  void OnOutputEnd() override;
  void OnReaderGone() override;
  void OnWriteFailed(const std::string& message) override;
  void Fail(const std::string& message);
  void Drain(const std::string& message);  // no new tasks; running ones finish
  RunTotals Totals() const;
  // {gpu} in a stage whose tasks ask for no GPU is a usage error.
  bool CheckGpuField(const CommandTemplate& t, StageId stage, std::string* err) const;
  // The ids of the devices in a GpuPool mask, comma-separated.
  std::string GpuIdsOf(uint64_t devices) const;
  // A starting task's GPUs: its {gpu} and its stage's device variables.
  void GiveDevices(TaskState& t, uint64_t devices);
  // A pipeline's stages (engine_stages.cc).
  void RemoveStaged(const TaskState& t);  // an item's copies on scratch, as it leaves
  // With --stage-max, the bytes a staging task's copy will take (refusing one over the cap).
  uint64_t ScratchAsk(TaskState& t);
  // --resume: the first staging stage whose copies are gone though a later stage needs them
  // (item_stages_ when none), so that it copies again.
  size_t RecopyFrom(const TaskInput& input);
  // Whether staging stage `k` need not copy: every later stage is done already (journal or
  // outputs), so the item would not read the copy.
  bool CopyNotNeeded(const TaskState& item, size_t k);
  bool PrepareStages(const FieldScope& scope, std::string* err);
  bool pipelined() const { return !later_.empty(); }
  const CommandTemplate& TemplateOf(StageId stage) const;
  DeclaredOutputs& OutputsOf(StageId stage);
  TaskEnvironment& EnvOf(StageId stage);
  int ThreadsOf(StageId stage) const;
  bool WorkerOf(StageId stage) const;  // its tasks go to warm workers
  uint64_t MemOf(StageId stage) const;
  Hash128 KeyOf(StageId stage, const TaskInput& input) const;
  void AddItem(std::vector<std::string> values);  // a pipeline's input: its first stage to do
  // Whether the item has finished `stage` before (--resume, or its outputs exist); false with
  // what a cut attempt left in *item otherwise. *failed: it finished, but failed.
  bool DoneBefore(TaskState& item, StageId stage, bool* failed);
  void Enter(const TaskState& item, StageId stage, bool moved);  // queues its task of `stage`
  void SettleGroupsAtEnd();  // the inputs ended: groups whose items all settled are queued
  void PassOn(const TaskState& t, bool ok, bool moved);  // a task's item after its final attempt
  void Park(const TaskState& t, bool moved);             // waits for its group (gather)
  void QueueGroups(std::vector<SettledGroup> groups);
  void QueueGroup(SettledGroup& g);
  void SkipStage(const TaskState& item, StageId stage, bool record);
  TaskId NewStageTask() { return TaskId(kFirstStageTask + ++stage_tasks_); }
  static constexpr uint64_t kFirstStageTask = uint64_t{1} << 48;

  RunConfig config_;
  Runner* runner_;
  CommandTemplate template_;
  InputCombiner inputs_;
  Scheduler scheduler_;
  std::vector<ThreadVariable> thread_variables_;
  std::unique_ptr<TaskEnvironment> task_env_;
  uint64_t params_generation_ = 0;        // counts Reshapes that changed --tune-param values
  std::vector<StagePlan> later_;          // a pipeline's stages after the first, in order
  size_t item_stages_ = 1;                // stages items pass one by one (all but a gather)
  bool staged_removal_failed_ = false;    // warned that a staged copy could not be removed
  std::vector<Piece> gather_;             // the gather stage's group template
  std::unique_ptr<GatherGroups> groups_;  // its groups, when the last stage gathers
  uint64_t stage_tasks_ = 0;              // tasks of later stages so far (their ids)
  std::vector<RunObserver*> observers_;
  std::unique_ptr<JournalRecorder> journal_;
  const ResumeIndex* resume_ = nullptr;
  std::vector<Piece> tag_;  // --tag, --tagstring, parsed
  int key_version_ = kJournalVersion;
  SystemDisk disk_;
  DeclaredOutputs outputs_;  // --outputs, on disk_
  uint64_t resumed_ = 0;
  Nanos armed_tick_ = 0;
  Nanos observer_tick_ = 0;  // the shortest TickInterval() asked for
  Nanos next_observer_tick_ = 0;
  std::unique_ptr<SystemMemorySampler> memory_sampler_;
  MemoryGuard memory_;              // --mem-per-task, --memfree: decides, the engine acts
  SlotCgroups* cgroups_ = nullptr;  // --mem-per-task in the kernel, where cgroups allow
  bool wants_command_line_ = false;
  int last_spawn_error_ = 0;         // of a start that must wait (EMFILE, EAGAIN)
  bool capacity_announced_ = false;  // said once that fewer tasks run than slots

  std::unordered_map<uint64_t, TaskState> tasks_;
  std::unique_ptr<BatchSizer> sizer_;
  TaskState batch_;  // inputs gathered for the next task
  uint64_t items_read_ = 0;
  uint64_t items_queued_ = 0;  // inputs, where tasks_ counts commands (they differ in batches)
  uint64_t items_succeeded_ = 0;
  uint64_t items_failed_ = 0;
  uint64_t items_interrupted_ = 0;  // stopped by coreflow, counted apart from failures
  uint64_t items_skipped_ = 0;      // a pipeline's items whose every stage was done before
  uint64_t next_seq_ = 0;
  bool inputs_done_ = false;
  bool input_blocked_ = false;
  std::deque<Event> pending_;
  std::vector<Action> actions_;
  bool dispatching_ = false;
  Command command_;
  std::vector<CpuMask> slot_masks_;  // --bind, by slot - 1
  std::vector<std::string> worker_args_;
  std::string worker_request_;
  std::vector<std::string> tuple_;
  Nanos start_ = 0;
  Nanos now_ = 0;
  int exit_status_ = 0;
  uint64_t dry_run_count_ = 0;
  uint64_t precounted_ = 0;  // inputs counted before the run, when observers asked
  bool precount_known_ = false;
  int interrupts_ = 0;
  FdStreamWriter writer_;
  OutputSink sink_;    // what tasks print, and coreflow's messages
  std::string error_;  // the first error that ends the run with 255
};

}  // namespace coreflow
