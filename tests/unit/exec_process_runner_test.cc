#include "exec/process_runner.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sys/clock.h"
#include "sys/fd.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::DirEntries;
using testutil::Disposition;
using testutil::EnvOverride;
using testutil::FdRedirect;
using testutil::IsBlocked;
using testutil::NoChildren;
using testutil::ScratchDir;
using testutil::SignalField;
using testutil::SignalStateGuard;

using Kind = RunnerEvent::Kind;
constexpr Nanos kMs = kNanosPerMilli;
constexpr Nanos kSec = kNanosPerSecond;

// A `sleep` duration no other process on the machine uses: its argv names our processes.
std::string UniqueSleep() {
  static int counter = 0;
  return "1000." + std::to_string(getpid()) + std::to_string(++counter);
}

// Live processes (not zombies) with `arg` among their arguments.
std::vector<pid_t> ProcessesWithArg(const std::string& arg) {
  std::vector<pid_t> out;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return out;
  while (dirent* e = readdir(proc)) {
    char* end;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    std::string cmdline;
    if (!ReadSmallFile(std::string("/proc/") + e->d_name + "/cmdline", &cmdline)) continue;
    size_t start = 0;
    while (start < cmdline.size()) {
      size_t nul = cmdline.find('\0', start);
      if (nul == std::string::npos) nul = cmdline.size();
      if (cmdline.compare(start, nul - start, arg) == 0) {
        out.push_back(static_cast<pid_t>(pid));
        break;
      }
      start = nul + 1;
    }
  }
  closedir(proc);
  return out;
}

// Polls until exactly `count` processes have `arg`, for at most 30 s.
bool WaitForProcessCount(const std::string& arg, size_t count) {
  Nanos deadline = MonotonicNow() + 30 * kSec;
  for (;;) {
    if (ProcessesWithArg(arg).size() == count) return true;
    if (MonotonicNow() > deadline) return false;
    usleep(5000);
  }
}

pid_t ParentOf(pid_t pid) {
  std::string status;
  if (!ReadSmallFile("/proc/" + std::to_string(pid) + "/status", &status)) return -1;
  size_t at = status.find("\nPPid:");
  return at == std::string::npos ? -1 : std::atoi(status.c_str() + at + 6);
}

// Kills whatever is left of the processes a test marked, so a failing test leaves nothing.
class MarkedProcessCleanup {
 public:
  explicit MarkedProcessCleanup(std::string arg) : arg_(std::move(arg)) {}
  ~MarkedProcessCleanup() {
    for (pid_t pid : ProcessesWithArg(arg_)) kill(pid, SIGKILL);
    int status;
    while (waitpid(-1, &status, WNOHANG) > 0) {
    }
  }

 private:
  std::string arg_;
};

// Starts `argv` as task `handle` of `runner`, with our environment.
int StartTask(ProcessRunner& runner, uint64_t handle, std::vector<std::string> argv,
              OutputMode mode = OutputMode::kGroup) {
  Command command{std::move(argv)};
  LaunchSpec spec;
  spec.command = &command;
  spec.envp = environ;
  spec.output = mode;
  return runner.Start(handle, spec);
}

// Waits for the runner's next kExited event and returns that task's captured output; null (and
// a failure) when Wait fails.
std::unique_ptr<CapturedOutput> WaitForExit(ProcessRunner& runner) {
  std::string err;
  for (;;) {
    std::vector<RunnerEvent> events;
    if (!runner.Wait(&events, &err)) {
      ADD_FAILURE() << err;
      return nullptr;
    }
    for (RunnerEvent& ev : events) {
      if (ev.kind == Kind::kExited) return std::move(ev.output);
    }
  }
}

// Runs commands through a runner and collects what it reports.
class RunnerTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string err;
    ASSERT_TRUE(runner_.Init(&err)) << err;
  }

  int Start(uint64_t handle, std::vector<std::string> argv, OutputMode mode = OutputMode::kGroup) {
    return StartTask(runner_, handle, std::move(argv), mode);
  }
  int StartShell(uint64_t handle, const std::string& script, OutputMode mode = OutputMode::kGroup) {
    return Start(handle, {"/bin/sh", "-c", script}, mode);
  }

  // Waits until `done` holds for the events seen so far (timer events excluded); fails after
  // `timeout`, using the runner's own timer as the guard.
  bool WaitUntil(const std::function<bool()>& done, Nanos timeout = 30 * kSec) {
    Nanos deadline = runner_.Now() + timeout;
    runner_.ArmTimer(deadline);
    while (!done()) {
      std::vector<RunnerEvent> batch;
      std::string err;
      if (!runner_.Wait(&batch, &err)) {
        ADD_FAILURE() << err;
        return false;
      }
      for (RunnerEvent& ev : batch) {
        if (ev.kind == Kind::kTimer) {
          if (runner_.Now() >= deadline) {
            ADD_FAILURE() << "nothing happened for " << ToSeconds(timeout) << " s";
            return false;
          }
          continue;
        }
        events_.push_back(std::move(ev));
      }
    }
    runner_.ArmTimer(0);
    return true;
  }

  RunnerEvent* Exited(uint64_t handle) {
    for (RunnerEvent& ev : events_) {
      if (ev.kind == Kind::kExited && ev.handle == handle) return &ev;
    }
    return nullptr;
  }
  RunnerEvent* WaitExited(uint64_t handle) {
    if (!WaitUntil([&] { return Exited(handle) != nullptr; })) return nullptr;
    return Exited(handle);
  }

  // The concatenated kOutput data of one stream of one task.
  std::string OutputOf(uint64_t handle, int stream) {
    std::string out;
    for (const RunnerEvent& ev : events_) {
      if (ev.kind == Kind::kOutput && ev.handle == handle && ev.stream == stream) out += ev.data;
    }
    return out;
  }

  ProcessRunner runner_;
  std::vector<RunnerEvent> events_;
};

// ---- Starting and waiting ----

TEST_F(RunnerTest, CapturesStdoutStderrExitStatusAndUsage) {
  Nanos before = runner_.Now();
  ASSERT_EQ(StartShell(7, "printf 'out line\\n'; printf 'err line\\n' >&2; printf tail; exit 3"),
            0);
  RunnerEvent* ev = WaitExited(7);
  ASSERT_NE(ev, nullptr);
  EXPECT_TRUE(WIFEXITED(ev->wait_status));
  EXPECT_EQ(WEXITSTATUS(ev->wait_status), 3);
  EXPECT_GT(ev->usage.ru_maxrss, 0);  // the task's own rusage from wait4
  EXPECT_GE(ev->at, before);
  EXPECT_LE(ev->at, runner_.Now());
  ASSERT_NE(ev->output, nullptr);
  EXPECT_EQ(ev->output->out.ToString(), "out line\ntail");
  EXPECT_EQ(ev->output->err.ToString(), "err line\n");
  EXPECT_EQ(ev->output->spill_error, 0);
  for (const RunnerEvent& e : events_) EXPECT_NE(e.kind, Kind::kOutput);  // grouped: no events
}

TEST_F(RunnerTest, ReportsDeathBySignal) {
  ASSERT_EQ(StartShell(1, "kill -KILL $$"), 0);
  RunnerEvent* ev = WaitExited(1);
  ASSERT_NE(ev, nullptr);
  ASSERT_TRUE(WIFSIGNALED(ev->wait_status));
  EXPECT_EQ(WTERMSIG(ev->wait_status), SIGKILL);
}

TEST_F(RunnerTest, LargeOutputIsCapturedWholeAndSpilled) {
  ScratchDir scratch("process_runner_test");
  EnvOverride tmpdir("TMPDIR", scratch.path());
  // 3 MB: far more than a pipe holds, so it is read while the task runs, and spilled.
  ASSERT_EQ(StartShell(1, "yes 0123456789abcdefghi | head -c 3000000; echo done >&2"), 0);
  RunnerEvent* ev = WaitExited(1);
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(WEXITSTATUS(ev->wait_status), 0);
  ASSERT_NE(ev->output, nullptr);
  std::string out = ev->output->out.ToString();
  ASSERT_EQ(out.size(), 3000000u);
  std::string expected;
  while (expected.size() < 3000000) expected += "0123456789abcdefghi\n";
  expected.resize(3000000);
  EXPECT_TRUE(out == expected);
  EXPECT_TRUE(ev->output->out.spilled());
  EXPECT_EQ(ev->output->err.ToString(), "done\n");
  EXPECT_FALSE(DirEntries(scratch.path()).empty());  // the spill directory, while it is used
}

TEST_F(RunnerTest, StdinIsDevNullNotOurs) {
  // Our own stdin holds data a task must not see.
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, false), 0);
  ASSERT_EQ(WriteAll(w.get(), "not for tasks\n"), 0);
  w.Reset();
  FdRedirect redirect(0, r.get());
  ASSERT_EQ(StartShell(1, "readlink /proc/self/fd/0; cat; echo end"), 0);
  RunnerEvent* ev = WaitExited(1);
  redirect.Restore();
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(ev->output->out.ToString(), "/dev/null\nend\n");
}

TEST_F(RunnerTest, ManyTasksAtOnceKeepTheirHandlesAndOutputsApart) {
  // Handles use up to 56 bits.
  const uint64_t kBase = (uint64_t{1} << 55) + 1000;
  // Each script reads its number as the shell's $0.
  for (uint64_t i = 0; i < 16; ++i) {
    ASSERT_EQ(Start(kBase + i,
                    {"/bin/sh", "-c", "echo task $0; echo err $0 >&2; exit $0", std::to_string(i)}),
              0);
  }
  ASSERT_TRUE(WaitUntil([&] {
    for (uint64_t i = 0; i < 16; ++i) {
      if (Exited(kBase + i) == nullptr) return false;
    }
    return true;
  }));
  for (uint64_t i = 0; i < 16; ++i) {
    RunnerEvent* ev = Exited(kBase + i);
    EXPECT_EQ(WEXITSTATUS(ev->wait_status), static_cast<int>(i));
    EXPECT_EQ(ev->output->out.ToString(), "task " + std::to_string(i) + "\n");
    EXPECT_EQ(ev->output->err.ToString(), "err " + std::to_string(i) + "\n");
  }
  size_t exits = 0;
  for (const RunnerEvent& ev : events_) exits += ev.kind == Kind::kExited;
  EXPECT_EQ(exits, 16u);  // each task once
}

// ---- Output modes ----

TEST_F(RunnerTest, LineBufferModeDeliversOutputEvents) {
  ASSERT_EQ(StartShell(5, "echo one; echo two >&2; printf three", OutputMode::kLineBuffer), 0);
  RunnerEvent* ev = WaitExited(5);
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(ev->output, nullptr);
  EXPECT_EQ(OutputOf(5, 1), "one\nthree");
  EXPECT_EQ(OutputOf(5, 2), "two\n");
  // All output comes before the exit.
  EXPECT_EQ(events_.back().kind, Kind::kExited);
}

TEST_F(RunnerTest, LineBufferModeDeliversLargeOutputCompletely) {
  ASSERT_EQ(StartShell(5, "yes 'a line of text' | head -c 1000000", OutputMode::kLineBuffer), 0);
  ASSERT_NE(WaitExited(5), nullptr);
  std::string expected;
  while (expected.size() < 1000000) expected += "a line of text\n";
  expected.resize(1000000);
  std::string out = OutputOf(5, 1);
  EXPECT_EQ(out.size(), expected.size());
  EXPECT_TRUE(out == expected);
  size_t output_events = 0;
  for (const RunnerEvent& e : events_) output_events += e.kind == Kind::kOutput;
  EXPECT_GT(output_events, 1u);
}

TEST_F(RunnerTest, UngroupModeWritesStraightToOurDescriptors) {
  ScratchDir scratch("process_runner_test");
  UniqueFd out(OpenForWriting(scratch.path() + "/out"));
  UniqueFd err(OpenForWriting(scratch.path() + "/err"));
  bool exited = false;
  {
    FdRedirect redirect_out(1, out.get());
    FdRedirect redirect_err(2, err.get());
    int e = StartShell(9, "echo to-stdout; echo to-stderr >&2", OutputMode::kUngroup);
    exited = e == 0 && WaitExited(9) != nullptr;
  }
  ASSERT_TRUE(exited);
  RunnerEvent* ev = Exited(9);
  EXPECT_EQ(ev->output, nullptr);
  EXPECT_EQ(WEXITSTATUS(ev->wait_status), 0);
  for (const RunnerEvent& e : events_) EXPECT_NE(e.kind, Kind::kOutput);
  std::string got;
  ASSERT_TRUE(ReadSmallFile(scratch.path() + "/out", &got));
  EXPECT_EQ(got, "to-stdout\n");
  ASSERT_TRUE(ReadSmallFile(scratch.path() + "/err", &got));
  EXPECT_EQ(got, "to-stderr\n");
}

// ---- Signals and process groups ----

TEST_F(RunnerTest, SignalEndsTheWholeProcessGroup) {
  std::string mark = UniqueSleep();
  MarkedProcessCleanup cleanup(mark);
  ASSERT_EQ(StartShell(3, "sleep " + mark + " & sleep " + mark), 0);
  ASSERT_TRUE(WaitForProcessCount(mark, 2));
  runner_.Signal(3, SIGTERM);
  RunnerEvent* ev = WaitExited(3);
  ASSERT_NE(ev, nullptr);
  ASSERT_TRUE(WIFSIGNALED(ev->wait_status));
  EXPECT_EQ(WTERMSIG(ev->wait_status), SIGTERM);
  // The background sleep went too, though it was not the process we started.
  EXPECT_TRUE(WaitForProcessCount(mark, 0));
  runner_.EndStragglers(0);  // reaps the orphaned background sleep
  EXPECT_TRUE(NoChildren());
}

TEST_F(RunnerTest, ASignalledTaskLosesGrandchildrenThatIgnoreTheSignal) {
  std::string mark = UniqueSleep();
  MarkedProcessCleanup cleanup(mark);
  // The background job ignores SIGTERM; only its leader dies of it. The group follows.
  ASSERT_EQ(StartShell(3, "(trap '' TERM; exec sleep " + mark + ") & sleep " + mark), 0);
  ASSERT_TRUE(WaitForProcessCount(mark, 2));
  runner_.Signal(3, SIGTERM);
  ASSERT_NE(WaitExited(3), nullptr);
  EXPECT_TRUE(WaitForProcessCount(mark, 0));
  runner_.EndStragglers(0);
  EXPECT_TRUE(NoChildren());
}

TEST_F(RunnerTest, SignalReachesEveryProcessOfTheGroupNotJustTheLeader) {
  std::string mark = UniqueSleep();
  MarkedProcessCleanup cleanup(mark);
  // The shell catches SIGTERM and runs its trap only after the foreground sleep ends, so the
  // task ends soon only if the sleep got the signal too.
  ASSERT_EQ(
      StartShell(3, "trap 'echo leader got it' TERM; sleep " + mark + "; echo \"sleep ended $?\""),
      0);
  ASSERT_TRUE(WaitForProcessCount(mark, 1));
  runner_.Signal(3, SIGTERM);
  RunnerEvent* ev = WaitExited(3);
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(ev->output->out.ToString(), "leader got it\nsleep ended 143\n");
}

TEST_F(RunnerTest, SignalForAnUnknownHandleDoesNothing) {
  runner_.Signal(12345, SIGKILL);
  ASSERT_EQ(StartShell(1, "exit 0"), 0);
  ASSERT_NE(WaitExited(1), nullptr);
  runner_.Signal(1, SIGKILL);  // already handled
  EXPECT_TRUE(NoChildren());
}

TEST_F(RunnerTest, WhatATaskLeftRunningIsKilledBeforeItsExitIsReported) {
  std::string mark = UniqueSleep();
  MarkedProcessCleanup cleanup(mark);
  // The background sleep holds the output pipe; the exit is not held up by it, and the sleep
  // is gone by the time the exit is reported.
  ASSERT_EQ(StartShell(4, "echo started; sleep " + mark + " & echo finished"), 0);
  RunnerEvent* ev = WaitExited(4);
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(WEXITSTATUS(ev->wait_status), 0);
  EXPECT_EQ(ev->output->out.ToString(), "started\nfinished\n");
  EXPECT_TRUE(ProcessesWithArg(mark).empty());
  ASSERT_EQ(StartShell(5, "echo next"), 0);
  RunnerEvent* next = WaitExited(5);
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(next->output->out.ToString(), "next\n");
  EXPECT_TRUE(NoChildren());
}

TEST_F(RunnerTest, EscapedDescendantsAreKilledBeforeTheExitIsReported) {
  std::string mark = UniqueSleep();
  MarkedProcessCleanup cleanup(mark);
  ScratchDir scratch("process_runner_test");
  std::string d = scratch.path();
  // A setsid child (out of the task's process group) whose own child escapes again, and a
  // process that left the group with setpgid: none of them may outlive the attempt.
  ASSERT_EQ(StartShell(1, "setsid sh -c 'sleep " + mark + " & touch " + d + "/a; setsid sh -c " +
                              "\"touch " + d + "/b; exec sleep " + mark + "\" & wait' & " +
                              "perl -e 'setpgrp(0,0); open(F,\">" + d + "/c\"); close F; " +
                              "exec @ARGV' sleep " + mark + " & " + "while [ ! -e " + d +
                              "/a ] || [ ! -e " + d + "/b ] || [ ! -e " + d +
                              "/c ]; do sleep 0.01; done"),
            0);
  RunnerEvent* ev = WaitExited(1);
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(WEXITSTATUS(ev->wait_status), 0);
  EXPECT_TRUE(ProcessesWithArg(mark).empty()) << ProcessesWithArg(mark).size() << " left";
  EXPECT_TRUE(NoChildren());
}

TEST_F(RunnerTest, AnOrphanOfARunningTaskIsLeftAlone) {
  std::string mark = UniqueSleep(), other = UniqueSleep();
  MarkedProcessCleanup cleanup(mark), cleanup2(other);
  ScratchDir scratch("process_runner_test");
  std::string go = scratch.path() + "/go";
  // Task 1 runs on, and its background child becomes our orphan (its subshell exits).
  ASSERT_EQ(StartShell(1, "(sleep " + mark + " &); while [ ! -e " + go + " ]; do sleep 0.01; done"),
            0);
  ASSERT_TRUE(WaitForProcessCount(mark, 1));
  // Task 2 ends: task 1's orphan is not its business.
  ASSERT_EQ(StartShell(2, "exit 0"), 0);
  ASSERT_NE(WaitExited(2), nullptr);
  EXPECT_EQ(ProcessesWithArg(mark).size(), 1u);
  { UniqueFd f(OpenForWriting(go)); }
  ASSERT_NE(WaitExited(1), nullptr);
  EXPECT_TRUE(ProcessesWithArg(mark).empty());
  EXPECT_TRUE(NoChildren());
}

TEST_F(RunnerTest, EveryProcessCarriesItsRunTagAndOnlyThatOne) {
  EnvOverride outer("COREFLOW_RUN", "0123456789abcdef.7");  // as a task of another coreflow
  ASSERT_EQ(StartShell(3, "env | grep '^COREFLOW_RUN='"), 0);
  RunnerEvent* ev = WaitExited(3);
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(ev->output->out.ToString(), "COREFLOW_RUN=" + runner_.run_id() + ".3\n");
  EXPECT_EQ(runner_.run_id().size(), 16u);
}

TEST_F(RunnerTest, ASignalToCoreflowBecomesASignalEvent) {
  ASSERT_EQ(kill(getpid(), SIGHUP), 0);  // blocked since Init: it waits on the signalfd
  ASSERT_TRUE(WaitUntil([&] {
    for (const RunnerEvent& e : events_) {
      if (e.kind == Kind::kSignal) return true;
    }
    return false;
  }));
  EXPECT_EQ(events_[0].kind, Kind::kSignal);
  EXPECT_EQ(events_[0].signal, SIGHUP);
}

TEST(ProcessRunner, InitRoutesSignalsUntilDestroyed) {
  SignalStateGuard guard;
  signal(SIGPIPE, SIG_DFL);
  {
    ProcessRunner runner;
    std::string err;
    ASSERT_TRUE(runner.Init(&err)) << err;
    EXPECT_TRUE(IsBlocked(SIGINT));
    EXPECT_TRUE(IsBlocked(SIGTERM));
    EXPECT_TRUE(IsBlocked(SIGHUP));
    EXPECT_EQ(Disposition(SIGPIPE), SIG_IGN);
  }
  EXPECT_FALSE(IsBlocked(SIGINT));
  EXPECT_FALSE(IsBlocked(SIGTERM));
  EXPECT_FALSE(IsBlocked(SIGHUP));
  EXPECT_EQ(Disposition(SIGPIPE), SIG_DFL);
}

TEST_F(RunnerTest, TasksGetAnEmptySignalMaskAndDefaultDispositions) {
  ASSERT_EQ(Start(1, {"cat", "/proc/self/status"}), 0);
  RunnerEvent* ev = WaitExited(1);
  ASSERT_NE(ev, nullptr);
  std::string status = ev->output->out.ToString();
  EXPECT_EQ(SignalField(status, "SigBlk"), 0u) << status;
  uint64_t ignored = SignalField(status, "SigIgn");
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP}) {
    EXPECT_EQ(ignored & (uint64_t{1} << (sig - 1)), 0u) << sig;
  }
}

TEST(ProcessRunner, TasksGetTheOriginalFileLimitBack) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max <= 200) GTEST_SKIP() << "hard limit";
  rlimit low = saved;
  low.rlim_cur = 200;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  std::string out;
  rlimit during{};
  {
    ProcessRunner runner;
    std::string err;
    ASSERT_TRUE(runner.Init(&err)) << err;
    getrlimit(RLIMIT_NOFILE, &during);
    ASSERT_EQ(StartTask(runner, 1, {"/bin/sh", "-c", "ulimit -n"}), 0);
    std::unique_ptr<CapturedOutput> output = WaitForExit(runner);
    ASSERT_NE(output, nullptr);
    out = output->out.ToString();
  }
  setrlimit(RLIMIT_NOFILE, &saved);
  EXPECT_GT(during.rlim_cur, 200u);  // raised for coreflow itself
  EXPECT_EQ(out, "200\n");           // but not for the task
}

// ---- Timer and input ----

bool HasKind(const std::vector<RunnerEvent>& events, Kind kind) {
  for (const RunnerEvent& e : events) {
    if (e.kind == kind) return true;
  }
  return false;
}

TEST_F(RunnerTest, ArmTimerWakesWaitAtTheDeadline) {
  Nanos at = runner_.Now() + 200 * kMs;
  runner_.ArmTimer(at);
  std::vector<RunnerEvent> events;
  std::string err;
  while (events.empty()) ASSERT_TRUE(runner_.Wait(&events, &err)) << err;
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kTimer);
  EXPECT_GE(runner_.Now(), at);
  EXPECT_LT(runner_.Now() - at, 10 * kSec);
}

TEST_F(RunnerTest, ArmTimerReplacesAndZeroDisarms) {
  Nanos start = runner_.Now();
  runner_.ArmTimer(start + 50 * kMs);
  runner_.ArmTimer(0);
  runner_.ArmTimer(start + 400 * kMs);  // the only deadline now
  std::vector<RunnerEvent> events;
  std::string err;
  while (events.empty()) ASSERT_TRUE(runner_.Wait(&events, &err)) << err;
  EXPECT_EQ(events[0].kind, Kind::kTimer);
  EXPECT_GE(runner_.Now() - start, 400 * kMs);
}

TEST_F(RunnerTest, WatchInputReportsAPipeOnceItHasData) {
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, false), 0);
  runner_.WatchInput(r.get());
  // Nothing to read yet: only the timer wakes us.
  runner_.ArmTimer(runner_.Now() + 100 * kMs);
  std::vector<RunnerEvent> events;
  std::string err;
  while (!HasKind(events, Kind::kTimer)) ASSERT_TRUE(runner_.Wait(&events, &err)) << err;
  EXPECT_FALSE(HasKind(events, Kind::kInputReady));

  ASSERT_EQ(WriteAll(w.get(), "value\n"), 0);
  events.clear();
  while (events.empty()) ASSERT_TRUE(runner_.Wait(&events, &err)) << err;
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kInputReady);

  // One report per WatchInput: unread data does not wake us again until asked.
  runner_.ArmTimer(runner_.Now() + 100 * kMs);
  events.clear();
  while (!HasKind(events, Kind::kTimer)) ASSERT_TRUE(runner_.Wait(&events, &err)) << err;
  EXPECT_FALSE(HasKind(events, Kind::kInputReady));
  runner_.WatchInput(r.get());
  events.clear();
  while (events.empty()) ASSERT_TRUE(runner_.Wait(&events, &err)) << err;
  EXPECT_EQ(events[0].kind, Kind::kInputReady);
}

TEST_F(RunnerTest, WatchInputSwitchesBetweenPipesWithoutSpuriousWakeUps) {
  // Linked input sources that are both pipes make the engine wait on one, then the other,
  // then the first again.
  UniqueFd r1, w1, r2, w2;
  ASSERT_EQ(MakePipe(&r1, &w1, true), 0);
  ASSERT_EQ(MakePipe(&r2, &w2, true), 0);
  std::vector<RunnerEvent> events;
  std::string err;
  char buffer[16];
  for (int round = 0; round < 2; ++round) {
    for (int which = 0; which < 2; ++which) {
      int r = which == 0 ? r1.get() : r2.get();
      int w = which == 0 ? w1.get() : w2.get();
      SCOPED_TRACE(testing::Message() << "round " << round << ", pipe " << which + 1);
      runner_.WatchInput(r);
      // Nothing there yet: the timer must come first.
      runner_.ArmTimer(runner_.Now() + 50 * kMs);
      events.clear();
      while (!HasKind(events, Kind::kTimer)) ASSERT_TRUE(runner_.Wait(&events, &err)) << err;
      EXPECT_FALSE(HasKind(events, Kind::kInputReady));
      ASSERT_EQ(WriteAll(w, "x"), 0);
      runner_.ArmTimer(runner_.Now() + 30 * kSec);  // a guard: the data must be reported first
      events.clear();
      while (events.empty()) ASSERT_TRUE(runner_.Wait(&events, &err)) << err;
      ASSERT_EQ(events[0].kind, Kind::kInputReady);
      ASSERT_EQ(ReadSome(r, buffer, sizeof buffer), 1);
    }
  }
}

TEST_F(RunnerTest, WatchInputOnARegularFileIsReadyAtOnce) {
  ScratchDir scratch("process_runner_test");
  { UniqueFd f(OpenForWriting(scratch.path() + "/in")); }
  UniqueFd file(OpenForReading(scratch.path() + "/in"));
  runner_.WatchInput(file.get());
  std::vector<RunnerEvent> events;
  std::string err;
  ASSERT_TRUE(runner_.Wait(&events, &err)) << err;
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kInputReady);
}

// ---- Failures to start ----

TEST_F(RunnerTest, StartReportsSpawnErrorsAndLeavesNothingBehind) {
  EXPECT_EQ(Start(1, {"coreflow-no-such-program-4711"}), ENOENT);
  EXPECT_EQ(Start(2, {"/dev/null"}), EACCES);
  EXPECT_TRUE(NoChildren());
  // The failed handles are unknown to the runner; others work.
  runner_.Signal(1, SIGKILL);
  ASSERT_EQ(StartShell(3, "echo fine"), 0);
  RunnerEvent* ev = WaitExited(3);
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(ev->output->out.ToString(), "fine\n");
  EXPECT_EQ(Exited(1), nullptr);
  EXPECT_EQ(Exited(2), nullptr);
}

TEST(ProcessRunner, TransientSpawnErrors) {
  for (int e : {EAGAIN, EMFILE, ENFILE, ENOMEM, EINTR}) EXPECT_TRUE(IsTransientSpawnError(e)) << e;
  for (int e : {0, ENOENT, EACCES, ENOEXEC, E2BIG, EPERM}) {
    EXPECT_FALSE(IsTransientSpawnError(e)) << e;
  }
}

// ---- Stragglers ----

// An orphan that cleared its environment cannot be told apart: EndStragglers ends it.
TEST_F(RunnerTest, EndStragglersEndsAnOrphan) {
  std::string mark = UniqueSleep();
  MarkedProcessCleanup cleanup(mark);
  ScratchDir scratch("process_runner_test");
  std::string ready = scratch.path() + "/ready";
  // Double fork, out of the group and untagged: the sleep.s parent exits at once.
  ASSERT_EQ(StartShell(1, "(setsid env -i sh -c 'touch " + ready + "; exec sleep " + mark +
                              "' &); while [ ! -e " + ready + " ]; do sleep 0.01; done"),
            0);
  ASSERT_NE(WaitExited(1), nullptr);
  ASSERT_TRUE(WaitForProcessCount(mark, 1));
  pid_t orphan = ProcessesWithArg(mark)[0];
  EXPECT_EQ(ParentOf(orphan), getpid());  // a subreaper gets its orphans
  Nanos start = MonotonicNow();
  runner_.EndStragglers(10 * kSec);
  EXPECT_LT(MonotonicNow() - start, 10 * kSec);  // SIGTERM sufficed; no need to wait it out
  EXPECT_TRUE(ProcessesWithArg(mark).empty());
  EXPECT_NE(access(("/proc/" + std::to_string(orphan)).c_str(), F_OK), 0);  // reaped too
  EXPECT_TRUE(NoChildren());
}

TEST_F(RunnerTest, EndStragglersKillsAnOrphanThatIgnoresSigterm) {
  std::string mark = UniqueSleep();
  MarkedProcessCleanup cleanup(mark);
  ScratchDir scratch("process_runner_test");
  std::string ready = scratch.path() + "/ready";
  ASSERT_EQ(
      StartShell(1, "(trap '' TERM; exec setsid env -i sh -c 'touch " + ready + "; exec sleep " +
                        mark + "') & while [ ! -e " + ready + " ]; do sleep 0.01; done"),
      0);
  ASSERT_NE(WaitExited(1), nullptr);
  ASSERT_TRUE(WaitForProcessCount(mark, 1));
  pid_t orphan = ProcessesWithArg(mark)[0];
  EXPECT_EQ(ParentOf(orphan), getpid());
  Nanos start = MonotonicNow();
  runner_.EndStragglers(300 * kMs);
  EXPECT_GE(MonotonicNow() - start, 250 * kMs);  // it waited out the grace period
  EXPECT_TRUE(ProcessesWithArg(mark).empty());
  EXPECT_TRUE(NoChildren());
}

TEST_F(RunnerTest, EndStragglersLeavesRunningTasksAlone) {
  std::string mark = UniqueSleep();
  MarkedProcessCleanup cleanup(mark);
  ASSERT_EQ(Start(1, {"sleep", mark}), 0);
  ASSERT_TRUE(WaitForProcessCount(mark, 1));
  runner_.EndStragglers(0);
  EXPECT_EQ(ProcessesWithArg(mark).size(), 1u);
  runner_.Signal(1, SIGKILL);
  RunnerEvent* ev = WaitExited(1);
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(WTERMSIG(ev->wait_status), SIGKILL);
}

char ProcessState(pid_t pid) {
  std::string stat;
  if (!ReadSmallFile("/proc/" + std::to_string(pid) + "/stat", &stat)) return '?';
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() ? stat[paren + 2] : '?';
}

TEST_F(RunnerTest, OrphansThatExitAreReapedWhenATaskEnds) {
  ScratchDir scratch("process_runner_test");
  std::string fifo = scratch.path() + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  MarkedProcessCleanup cleanup(fifo);
  // The orphan waits on a FIFO that only the test opens.
  std::string ready = scratch.path() + "/ready";
  ASSERT_EQ(StartShell(1, "(exec setsid env -i sh -c 'touch " + ready + "; exec cat " + fifo +
                              " >/dev/null') & while [ ! -e " + ready + " ]; do sleep 0.01; done"),
            0);
  ASSERT_NE(WaitExited(1), nullptr);
  ASSERT_TRUE(WaitForProcessCount(fifo, 1));
  pid_t orphan = ProcessesWithArg(fifo)[0];
  EXPECT_EQ(ParentOf(orphan), getpid());
  {
    UniqueFd writer(open(fifo.c_str(), O_WRONLY | O_CLOEXEC));  // meets the reader; closing ends it
    ASSERT_TRUE(writer.valid());
  }
  Nanos deadline = MonotonicNow() + 30 * kSec;
  while (ProcessState(orphan) != 'Z' && MonotonicNow() < deadline) usleep(2000);
  ASSERT_EQ(ProcessState(orphan), 'Z');  // exited; nobody has reaped it yet
  // The next task's end sweeps up the zombie.
  ASSERT_EQ(StartShell(2, "exit 0"), 0);
  ASSERT_NE(WaitExited(2), nullptr);
  errno = 0;
  EXPECT_EQ(kill(orphan, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  EXPECT_TRUE(NoChildren());
}

TEST_F(RunnerTest, EndStragglersWithNothingLeftReturnsAtOnce) {
  Nanos start = MonotonicNow();
  runner_.EndStragglers(60 * kSec);
  EXPECT_LT(MonotonicNow() - start, 10 * kSec);
}

TEST(ProcessRunner, DestructionKillsAndReapsRunningTasks) {
  std::string mark = UniqueSleep();
  MarkedProcessCleanup cleanup(mark);
  {
    ProcessRunner runner;
    std::string err;
    ASSERT_TRUE(runner.Init(&err)) << err;
    ASSERT_EQ(StartTask(runner, 1, {"sleep", mark}), 0);
    ASSERT_TRUE(WaitForProcessCount(mark, 1));
  }
  EXPECT_TRUE(ProcessesWithArg(mark).empty());
  EXPECT_TRUE(NoChildren());
}

TEST(ProcessRunner, SpillDirectoryIsRemovedWithTheRunner) {
  ScratchDir scratch("process_runner_test");
  EnvOverride tmpdir("TMPDIR", scratch.path());
  {
    ProcessRunner runner;
    std::string err;
    ASSERT_TRUE(runner.Init(&err)) << err;
    ASSERT_EQ(StartTask(runner, 1, {"/bin/sh", "-c", "head -c 600000 /dev/zero"}), 0);
    std::unique_ptr<CapturedOutput> output = WaitForExit(runner);
    ASSERT_NE(output, nullptr);
    EXPECT_TRUE(output->out.spilled());
    EXPECT_EQ(output->out.size(), 600000u);
    EXPECT_EQ(DirEntries(scratch.path()).size(), 1u);
  }
  EXPECT_TRUE(DirEntries(scratch.path()).empty());
}

}  // namespace
}  // namespace coreflow
