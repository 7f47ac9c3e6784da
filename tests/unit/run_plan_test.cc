#include "run/run_plan.h"

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace coreflow {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

// A machine of 8 usable cores whose standard streams are no terminals; nothing else probed.
MachineProbe FakeProbe() {
  MachineProbe probe;
  probe.cpus = CombineCpuLimits(8, 0, "", Environment());
  return probe;
}

const std::vector<std::string> kEchoAbc = {"echo", ":::", "a", "b", "c"};

struct PlanResult {
  bool ok = false;
  std::string err;
  RunPlan plan;
};

PlanResult Plan(const RunFlags& flags, const std::vector<std::string>& rest = kEchoAbc,
                const MachineProbe& probe = FakeProbe(), const Environment& env = {}) {
  PlanResult r;
  r.ok = BuildRunPlan(flags, rest, env, probe, &r.plan, &r.err);
  return r;
}

// One usage error: what is changed from a plain `coreflow run echo ::: a b c`, and the message.
struct UsageCase {
  const char* name;
  std::function<void(RunFlags*, MachineProbe*)> change;
  std::vector<std::string> rest;
  std::string message;
};

const std::vector<UsageCase>& UsageCases() {
  static const std::vector<UsageCase> cases = {
      {"unknown option",
       nullptr,
       {"--bogus", "echo", ":::", "a"},
       "unknown option '--bogus' (see coreflow run --help)"},
      {":::: with no file",
       nullptr,
       {"echo", "::::"},
       "'::::' must be followed by at least one file name"},
      {"first source linked",
       nullptr,
       {"echo", ":::+", "a"},
       "the first input source cannot be linked with '+': nothing comes before it"},
      {"-q without a command",
       [](RunFlags* f, MachineProbe*) { f->quote = true; },
       {":::", "a"},
       "-q quotes the command's words, but no command was given"},
      {"empty template",
       nullptr,
       {" ", ":::", "a"},
       "the command template is empty; give a command, e.g. coreflow run gzip {} ::: *.txt"},
      {"nothing on a terminal",
       [](RunFlags*, MachineProbe* p) { p->stdin_is_terminal = true; },
       {},
       "no command and no inputs; see coreflow run --help"},
      {"--header 0", [](RunFlags* f, MachineProbe*) { f->header = "0"; }, kEchoAbc,
       "--header 0 (column names from file names) is not supported; --header : takes the "
       "first value of each input source as its column names"},
      {"two output modes", [](RunFlags* f, MachineProbe*) { f->line_buffer = f->ungroup = true; },
       kEchoAbc, "choose one of --group, --line-buffer and --ungroup"},
      {"--results --line-buffer",
       [](RunFlags* f, MachineProbe*) {
         f->results = "out";
         f->line_buffer = true;
       },
       kEchoAbc, "--results needs grouped output; drop --line-buffer / --ungroup"},
      {"--tag --ungroup",
       [](RunFlags* f, MachineProbe*) {
         f->tag = true;
         f->ungroup = true;
       },
       kEchoAbc,
       "--tag prefixes the lines coreflow prints; it cannot with --ungroup (use --line-buffer)"},
      {"--tagstring --results",
       [](RunFlags* f, MachineProbe*) {
         f->tagstring = "{#}";
         f->results = "out";
       },
       kEchoAbc, "--tagstring prefixes the lines coreflow prints; it cannot with --results"},
      {"--timeout text", [](RunFlags* f, MachineProbe*) { f->timeout = "soon"; }, kEchoAbc,
       "--timeout: 'soon' is not a duration (use e.g. 30, 2.5s, 500ms, 10m, 1h)"},
      {"--timeout 0", [](RunFlags* f, MachineProbe*) { f->timeout = "0"; }, kEchoAbc,
       "--timeout must be more than 0"},
      {"--term-grace unit", [](RunFlags* f, MachineProbe*) { f->term_grace = "3y"; }, kEchoAbc,
       "--term-grace: '3y' has an unknown time unit 'y' (use s, ms, us, m, h or d)"},
      {"--retry-delay text", [](RunFlags* f, MachineProbe*) { f->retry_delay = "later"; }, kEchoAbc,
       "--retry-delay: 'later' is not a duration (use e.g. 30, 2.5s, 500ms, 10m, 1h)"},
      {"--resume without --joblog", [](RunFlags* f, MachineProbe*) { f->resume = true; }, kEchoAbc,
       "--resume needs --joblog FILE: the journal of the run to resume"},
      {"--resume-failed --joblog -",
       [](RunFlags* f, MachineProbe*) {
         f->resume_failed = true;
         f->joblog = "-";
       },
       kEchoAbc, "--resume needs --joblog FILE: the journal of the run to resume"},
      {"--halt text", [](RunFlags* f, MachineProbe*) { f->halt = "sometimes"; }, kEchoAbc,
       "--halt 'sometimes' is not a halt policy; use never, soon,fail=N, now,fail=N, "
       "soon,fail=N%, now,success=N or now,done=N"},
      {"-N and -X",
       [](RunFlags* f, MachineProbe*) {
         f->max_args = 2;
         f->context_replace = true;
       },
       kEchoAbc, "-N, -X and -m each say how to batch inputs: give one of them"},
      {"-X and -m", [](RunFlags* f, MachineProbe*) { f->context_replace = f->multiple = true; },
       kEchoAbc, "-N, -X and -m each say how to batch inputs: give one of them"},
      {"-s without -X", [](RunFlags* f, MachineProbe*) { f->max_chars = 100; }, kEchoAbc,
       "-s sets how long a -X or -m command line may be: give -X or -m too"},
      {"-s with -N",
       [](RunFlags* f, MachineProbe*) {
         f->max_chars = 100;
         f->max_args = 2;
       },
       kEchoAbc, "-s sets how long a -X or -m command line may be: give -X or -m too"},
      {"--split-failed-batches alone",
       [](RunFlags* f, MachineProbe*) { f->split_failed_batches = true; }, kEchoAbc,
       "--split-failed-batches needs a batch: give -N, -X or -m too"},
      {"worker limit without --worker", [](RunFlags* f, MachineProbe*) { f->worker.max_tasks = 5; },
       kEchoAbc,
       "--worker-start-timeout, --worker-max-tasks and --worker-max-rss need --worker CMD"},
      {"-j text", [](RunFlags* f, MachineProbe*) { f->jobs = "many"; }, kEchoAbc,
       "-j 'many' is not a slot count; use N, N%, +N, -N or 0"},
      {"--mem-per-task text", [](RunFlags* f, MachineProbe*) { f->mem_per_task = "lots"; },
       kEchoAbc, "--mem-per-task: 'lots' is not a size (use e.g. 512M, 2G, 1.5GiB)"},
      {"--mem-per-task 0", [](RunFlags* f, MachineProbe*) { f->mem_per_task = "0"; }, kEchoAbc,
       "--mem-per-task: must be more than 0"},
      {"--memfree unit", [](RunFlags* f, MachineProbe*) { f->memfree = "2X"; }, kEchoAbc,
       "--memfree: '2X' has an unknown size unit 'X' (use K, M, G or T)"},
      {"--mem-per-task over the usable memory",
       [](RunFlags* f, MachineProbe* p) {
         f->mem_per_task = "4G";
         p->memory.usable_bytes = kGiB;
         p->memory.source = "MemAvailable";
       },
       kEchoAbc,
       "--mem-per-task 4.00 GiB does not fit: only 1.00 GiB is usable (MemAvailable); lower it "
       "or ask for more memory"},
      {"--mem-per-task with no memory known",
       [](RunFlags* f, MachineProbe*) { f->mem_per_task = "1G"; }, kEchoAbc,
       "--mem-per-task 1.00 GiB does not fit: only 0.00 GiB is usable (unknown); lower it or "
       "ask for more memory"},
      {"--memfree over all memory",
       [](RunFlags* f, MachineProbe* p) {
         f->memfree = "64G";
         p->mem_total = 16 * kGiB;
       },
       kEchoAbc,
       "--memfree 64G is more than all of this machine's memory (16.0 GiB): no task could ever "
       "start; give a smaller size"},
      {"--gpus-per-task not a number",
       [](RunFlags* f, MachineProbe*) {
         f->gpus = "0,1";
         f->gpus_per_task = "two";
       },
       kEchoAbc,
       "--gpus-per-task 'two' is not a number of GPUs; give 1, 2 or 0.5 (a share of one)"},
      {"--gpus-per-task neither a share nor whole",
       [](RunFlags* f, MachineProbe*) {
         f->gpus = "0,1";
         f->gpus_per_task = "1.5";
       },
       kEchoAbc,
       "--gpus-per-task 1.5: a task gets a share of one GPU or whole GPUs; give 1, 2 ... or less "
       "than 1"},
      {"--gpus-per-task more than there are",
       [](RunFlags* f, MachineProbe*) {
         f->gpus = "0,1";
         f->gpus_per_task = "4";
       },
       kEchoAbc, "--gpus-per-task asks for 4 GPUs, and --gpus gives 2; ask for fewer or give more"},
      {"--gpus-per-task and no GPU found",
       [](RunFlags* f, MachineProbe* p) {
         f->gpus_per_task = "1";
         p->gpus.note = "no nvidia-smi on PATH";
       },
       kEchoAbc,
       "--gpus-per-task asks for GPUs, but no GPU was found (no nvidia-smi on PATH); name the "
       "devices with --gpus LIST"},
      {"--gpus names a device twice", [](RunFlags* f, MachineProbe*) { f->gpus = "0,1,0"; },
       kEchoAbc, "--gpus '0,1,0' names device '0' twice"},
      {"--gpus with an empty id", [](RunFlags* f, MachineProbe*) { f->gpus = "0,,1"; }, kEchoAbc,
       "--gpus '0,,1': give the devices' ids separated by commas, e.g. --gpus 0,1 or --gpus "
       "GPU-5f3c...,MIG-9a1b..."},
      {"--gpus with autotuning",
       [](RunFlags* f, MachineProbe*) {
         f->gpus = "0";
         f->autotune = true;
       },
       kEchoAbc, "autotuning does not tune runs that share out GPUs yet; give -j (and -t)"},
  };
  return cases;
}

TEST(RunPlanTest, EveryUsageErrorHasItsMessage) {
  for (const UsageCase& c : UsageCases()) {
    SCOPED_TRACE(c.name);
    RunFlags flags;
    MachineProbe probe = FakeProbe();
    if (c.change) c.change(&flags, &probe);
    PlanResult r = Plan(flags, c.rest, probe);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.err, c.message);
  }
}

TEST(RunPlanTest, EveryUsageCaseIsValidWithoutItsChange) {
  // The cases differ from a valid command line only by what they name.
  RunFlags flags;
  PlanResult r = Plan(flags);
  ASSERT_TRUE(r.ok) << r.err;
  EXPECT_EQ(r.plan.config.command_text, "echo");
  ASSERT_EQ(r.plan.config.sources.size(), 1u);
  EXPECT_EQ(r.plan.config.sources[0].args, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(r.plan.warnings.empty());
}

TEST(RunPlanTest, TheFirstErrorInFlagOrderWins) {
  RunFlags flags;
  flags.line_buffer = flags.ungroup = true;  // output modes are checked before the timeout
  flags.timeout = "0";
  EXPECT_EQ(Plan(flags).err, "choose one of --group, --line-buffer and --ungroup");
}

TEST(RunPlanTest, MemfreeWithinTheMachineOrUnknownTotalIsFine) {
  RunFlags flags;
  flags.memfree = "2G";
  MachineProbe probe = FakeProbe();
  PlanResult unknown = Plan(flags, kEchoAbc, probe);
  ASSERT_TRUE(unknown.ok) << unknown.err;
  EXPECT_EQ(unknown.plan.config.memfree, 2 * kGiB);
  probe.mem_total = 16 * kGiB;
  EXPECT_TRUE(Plan(flags, kEchoAbc, probe).ok);
}

TEST(RunPlanTest, UsableCoresGiveTheDefaultSlots) {
  MachineProbe probe = FakeProbe();
  probe.cpus = CombineCpuLimits(6, 0, "", Environment());
  PlanResult r = Plan(RunFlags(), kEchoAbc, probe);
  ASSERT_TRUE(r.ok) << r.err;
  EXPECT_EQ(r.plan.config.schedule.slots, 6);
  EXPECT_EQ(r.plan.config.threads_per_task, 1);
  EXPECT_EQ(r.plan.resources.slots_source, "6 usable cores (CPU affinity)");
  EXPECT_FALSE(r.plan.config.threads_explicit);
}

TEST(RunPlanTest, ThreadsPerTaskDivideTheUsableCores) {
  RunFlags flags;
  flags.threads = 2;
  PlanResult r = Plan(flags);
  ASSERT_TRUE(r.ok) << r.err;
  EXPECT_EQ(r.plan.config.schedule.slots, 4);
  EXPECT_EQ(r.plan.config.threads_per_task, 2);
  EXPECT_TRUE(r.plan.config.threads_explicit);
}

TEST(RunPlanTest, CgroupQuotaAndSlurmLimitTheSlots) {
  MachineProbe probe = FakeProbe();
  probe.cpus = CombineCpuLimits(16, 4.5, "/sys/fs/cgroup/cpu.max", Environment());
  PlanResult quota = Plan(RunFlags(), kEchoAbc, probe);
  ASSERT_TRUE(quota.ok) << quota.err;
  EXPECT_EQ(quota.plan.config.schedule.slots, 4);
  EXPECT_EQ(DescribeSettings(quota.plan).usable_cpus.source,
            "cgroup CPU quota (/sys/fs/cgroup/cpu.max)");

  probe.cpus = CombineCpuLimits(16, 0, "", Environment({"SLURM_CPUS_ON_NODE=3"}));
  PlanResult slurm = Plan(RunFlags(), kEchoAbc, probe);
  ASSERT_TRUE(slurm.ok) << slurm.err;
  EXPECT_EQ(slurm.plan.config.schedule.slots, 3);
  EXPECT_EQ(slurm.plan.resources.slots_source, "3 usable cores (SLURM_CPUS_ON_NODE)");
}

TEST(RunPlanTest, MemoryBudgetCapsTheSlots) {
  RunFlags flags;
  flags.mem_per_task = "1G";
  MachineProbe probe = FakeProbe();
  probe.memory.usable_bytes = 3 * kGiB;
  probe.memory.source = "SLURM_MEM_PER_NODE";
  PlanResult r = Plan(flags, kEchoAbc, probe);
  ASSERT_TRUE(r.ok) << r.err;
  EXPECT_EQ(r.plan.config.schedule.slots, 3);
  EXPECT_EQ(r.plan.config.mem_per_task, kGiB);
  EXPECT_EQ(r.plan.resources.slots_source,
            "3 x --mem-per-task fit in 3.00 GiB usable (SLURM_MEM_PER_NODE)");

  probe.memory.usable_bytes = 64 * kGiB;  // room for more than the cores: the cores decide
  PlanResult roomy = Plan(flags, kEchoAbc, probe);
  ASSERT_TRUE(roomy.ok) << roomy.err;
  EXPECT_EQ(roomy.plan.config.schedule.slots, 8);
}

TEST(RunPlanTest, MemoryCgroupsOnlyForMemPerTaskAndUnlessTurnedOff) {
  RunFlags flags;
  MachineProbe probe = FakeProbe();
  probe.memory.usable_bytes = 64 * kGiB;
  EXPECT_FALSE(Plan(flags, kEchoAbc, probe).plan.slot_cgroups);
  flags.mem_per_task = "1G";
  EXPECT_TRUE(Plan(flags, kEchoAbc, probe).plan.slot_cgroups);
  Environment off({"COREFLOW_MEM_CGROUP=0"});
  EXPECT_FALSE(Plan(flags, kEchoAbc, probe, off).plan.slot_cgroups);
  Environment on({"COREFLOW_MEM_CGROUP=1"});
  EXPECT_TRUE(Plan(flags, kEchoAbc, probe, on).plan.slot_cgroups);
  flags.dry_run = true;
  EXPECT_FALSE(Plan(flags, kEchoAbc, probe).plan.slot_cgroups);
}

TEST(RunPlanTest, ProgressShowsWhereSomeoneWatchesOrWhenAskedFor) {
  MachineProbe terminal = FakeProbe();
  terminal.stderr_is_terminal = true;
  RunPlan watched = Plan(RunFlags(), kEchoAbc, terminal).plan;
  EXPECT_TRUE(watched.show_progress);
  EXPECT_TRUE(watched.progress_on_terminal);

  RunPlan logged = Plan(RunFlags()).plan;  // stderr is a file or a pipe
  EXPECT_FALSE(logged.show_progress);

  RunFlags bar;
  bar.progress = true;
  RunPlan asked = Plan(bar).plan;
  EXPECT_TRUE(asked.show_progress);
  EXPECT_FALSE(asked.progress_on_terminal);  // plain lines in a log

  RunFlags quiet;
  quiet.no_progress = true;
  EXPECT_FALSE(Plan(quiet, kEchoAbc, terminal).plan.show_progress);
  RunFlags dry;
  dry.dry_run = true;
  EXPECT_FALSE(Plan(dry, kEchoAbc, terminal).plan.show_progress);
}

TEST(RunPlanTest, StdinOnATerminalIsReadWithAWarning) {
  MachineProbe probe = FakeProbe();
  probe.stdin_is_terminal = true;
  PlanResult r = Plan(RunFlags(), {"echo"}, probe);
  ASSERT_TRUE(r.ok) << r.err;
  ASSERT_EQ(r.plan.config.sources.size(), 1u);
  EXPECT_EQ(r.plan.config.sources[0].kind, SourceSpec::Kind::kStdin);
  EXPECT_EQ(r.plan.warnings,
            (std::vector<std::string>{"reading inputs from the terminal, one per line; end them "
                                      "with Ctrl-D"}));

  PlanResult piped = Plan(RunFlags(), {"echo"});  // no terminal: stdin is read quietly
  ASSERT_TRUE(piped.ok) << piped.err;
  EXPECT_EQ(piped.plan.config.sources[0].kind, SourceSpec::Kind::kStdin);
  EXPECT_TRUE(piped.plan.warnings.empty());
  EXPECT_TRUE(DescribeSettings(piped.plan).inputs_from_stdin);
}

TEST(RunPlanTest, BindCarvesTheProbedTopology) {
  RunFlags flags;
  flags.bind = true;
  flags.jobs = "2";
  MachineProbe probe = FakeProbe();
  probe.topology = FlatTopology({0, 1, 2, 3});
  probe.topology_source = "the CPU affinity mask (hwloc: none here)";
  PlanResult r = Plan(flags, kEchoAbc, probe);
  ASSERT_TRUE(r.ok) << r.err;
  EXPECT_EQ(r.plan.config.slot_cpus, (std::vector<std::vector<int>>{{0, 1}, {2, 3}}));
  EXPECT_EQ(r.plan.pinning, "the CPU affinity mask (hwloc: none here)");
  EXPECT_TRUE(DescribeSettings(r.plan).bind);
  EXPECT_TRUE(Plan(RunFlags(), kEchoAbc, probe).plan.config.slot_cpus.empty());
}

TEST(RunPlanTest, AnExportedThreadCountIsNotedWithoutDashT) {
  Environment env({"OMP_NUM_THREADS=4", "PATH=/bin"});
  RunPlan plan = Plan(RunFlags(), kEchoAbc, FakeProbe(), env).plan;
  ASSERT_TRUE(plan.exported_threads.has_value());
  EXPECT_EQ(plan.exported_threads->name, "OMP_NUM_THREADS");
  EXPECT_EQ(plan.exported_threads->value, "4");
  ASSERT_NE(plan.config.environment.Get("PATH"), nullptr);  // tasks inherit the environment
  EXPECT_EQ(*plan.config.environment.Get("PATH"), "/bin");

  RunFlags threads;
  threads.threads = 2;
  EXPECT_FALSE(Plan(threads, kEchoAbc, FakeProbe(), env).plan.exported_threads.has_value());
  RunFlags autotune;
  autotune.autotune = true;
  EXPECT_FALSE(Plan(autotune, kEchoAbc, FakeProbe(), env).plan.exported_threads.has_value());
}

TEST(RunPlanTest, MeminfoRootComesFromTheEnvironment) {
  Environment env({"COREFLOW_MEMINFO_ROOT=/fake/root"});
  EXPECT_EQ(Plan(RunFlags(), kEchoAbc, FakeProbe(), env).plan.config.meminfo_root, "/fake/root");
  EXPECT_EQ(Plan(RunFlags()).plan.config.meminfo_root, "");
}

TEST(RunPlanTest, QuoteAndReplaceStringShapeTheTemplate) {
  RunFlags flags;
  flags.replace_string = "@@";
  PlanResult r = Plan(flags, {"cp", "@@", "out/", ":::", "a"});
  ASSERT_TRUE(r.ok) << r.err;
  EXPECT_EQ(r.plan.config.syntax.input, "@@");
  EXPECT_EQ(r.plan.config.command_text, "cp @@ out/");
}

TEST(RunPlanTest, ArgFilesComeBeforeTheCommandLineSources) {
  RunFlags flags;
  flags.arg_files = {"list.txt"};
  PlanResult r = Plan(flags, {"echo", ":::", "x"});
  ASSERT_TRUE(r.ok) << r.err;
  ASSERT_EQ(r.plan.config.sources.size(), 2u);
  EXPECT_EQ(r.plan.config.sources[0].kind, SourceSpec::Kind::kFile);
  EXPECT_EQ(r.plan.config.sources[0].path, "list.txt");
  EXPECT_EQ(r.plan.config.sources[1].args, (std::vector<std::string>{"x"}));
}

TEST(RunPlanTest, WorkerRunsTheValuesAsArguments) {
  RunFlags flags;
  flags.worker.command = "python3 score.py";
  PlanResult r = Plan(flags, {":::", "a"});
  ASSERT_TRUE(r.ok) << r.err;
  EXPECT_TRUE(r.plan.config.worker);
  EXPECT_EQ(r.plan.config.command_text, "{}");
  EXPECT_TRUE(r.plan.config.schedule.timeout_from_began);
}

TEST(RunPlanTest, BatchFlagsAreDescribed) {
  RunFlags count;
  count.max_args = 4;
  RunSettings n = DescribeSettings(Plan(count).plan);
  EXPECT_EQ(n.inputs_per_invocation.value, 4);
  EXPECT_EQ(n.inputs_per_invocation.source, "-N");
  RunFlags context;
  context.context_replace = true;
  context.max_chars = 1000;
  RunPlan x = Plan(context).plan;
  EXPECT_EQ(x.config.batch.max_line, 1000u);
  EXPECT_EQ(DescribeSettings(x).inputs_per_invocation.source, "-X");
  RunSettings none = DescribeSettings(Plan(RunFlags()).plan);
  EXPECT_EQ(none.inputs_per_invocation.value, 1);
  EXPECT_EQ(none.inputs_per_invocation.source, "default");
}

TEST(RunPlanTest, JoblogPlusMeansAppend) {
  RunFlags flags;
  flags.joblog = "+run.log";
  RunFlags resolved = ResolveJoblogAppend(flags);
  EXPECT_EQ(resolved.joblog, "run.log");
  EXPECT_TRUE(resolved.joblog_append);
  flags.joblog = "+";  // a file named '+'
  EXPECT_EQ(ResolveJoblogAppend(flags).joblog, "+");
  EXPECT_FALSE(ResolveJoblogAppend(flags).joblog_append);
}

}  // namespace
}  // namespace coreflow
