#include "exec/spawn.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "sys/fd.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::BlockSignals;
using testutil::DirEntries;
using testutil::EnvOverride;
using testutil::FdRedirect;
using testutil::NoChildren;
using testutil::Pipe;
using testutil::ReadToEnd;
using testutil::Reap;
using testutil::ScratchDir;
using testutil::SignalField;
using testutil::SignalStateGuard;

// argv as owned strings plus the char* array Spawn wants.
class Argv {
 public:
  Argv(std::initializer_list<std::string> words) : words_(words) {}
  explicit Argv(std::vector<std::string> words) : words_(std::move(words)) {}
  char* const* get() {
    pointers_.clear();
    for (std::string& w : words_) pointers_.push_back(w.data());
    pointers_.push_back(nullptr);
    return pointers_.data();
  }
  const char* file() const { return words_[0].c_str(); }

 private:
  std::vector<std::string> words_;
  std::vector<char*> pointers_;
};

// A request to run `argv` with environment `envp` and the standard descriptors left alone.
SpawnRequest RequestFor(Argv& argv, char* const* envp = environ) {
  SpawnRequest request;
  request.file = argv.file();
  request.argv = argv.get();
  request.envp = envp;
  return request;
}

// Our PATH with `dir` searched first.
std::string PathWith(const std::string& dir) {
  const char* path = getenv("PATH");
  return dir + ":" + (path != nullptr ? path : "");
}

int ExitCode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

size_t OpenDescriptorCount() { return DirEntries("/proc/self/fd").size(); }

// Spawns argv with the given descriptors; returns the exit status and what it printed on a
// pipe standing for its stdout (unless `stdout_fd` is given).
struct RunResult {
  int spawn_error = 0;
  int status = 0;
  std::string out;
};
RunResult RunChild(Spawner& spawner, Argv argv, char* const* envp = environ,
                   const rlimit* nofile = nullptr) {
  RunResult result;
  Pipe out;
  SpawnRequest request = RequestFor(argv, envp);
  request.stdout_fd = out.write_end.get();
  request.nofile = nofile;
  pid_t pid = -1;
  int pidfd = -1;
  result.spawn_error = spawner.Spawn(request, &pid, &pidfd);
  out.write_end.Reset();
  if (result.spawn_error != 0) return result;
  UniqueFd owned(pidfd);
  result.out = ReadToEnd(out.read_end.get());
  result.status = Reap(pid);
  return result;
}

void Handler(int) {}

uint64_t Bit(int sig) { return uint64_t{1} << (sig - 1); }

// ---- Starting processes ----

TEST(Spawner, StartsAProcessAndReturnsAWorkingPidfd) {
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  Argv argv{"/bin/sh", "-c", "exit 7"};
  SpawnRequest request = RequestFor(argv);
  pid_t pid = -1;
  int pidfd = -1;
  ASSERT_EQ(spawner.Spawn(request, &pid, &pidfd), 0);
  UniqueFd owned(pidfd);
  ASSERT_GT(pid, 0);
  ASSERT_GE(pidfd, 0);
  EXPECT_NE(fcntl(pidfd, F_GETFD) & FD_CLOEXEC, 0);
  // The pidfd names this very process.
  std::string fdinfo;
  ASSERT_TRUE(ReadSmallFile("/proc/self/fdinfo/" + std::to_string(pidfd), &fdinfo));
  EXPECT_NE(fdinfo.find("Pid:\t" + std::to_string(pid) + "\n"), std::string::npos) << fdinfo;

  pollfd p{pidfd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 30000), 1);
  EXPECT_TRUE(p.revents & POLLIN);
  int status = Reap(pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 7);
  EXPECT_TRUE(NoChildren());
}

TEST(Spawner, PidfdIsNotReadableWhileTheChildRuns) {
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  Pipe in;
  Argv argv{"cat"};
  SpawnRequest request = RequestFor(argv);
  request.stdin_fd = in.read_end.get();
  UniqueFd null(open("/dev/null", O_WRONLY | O_CLOEXEC));
  request.stdout_fd = null.get();
  pid_t pid = -1;
  int pidfd = -1;
  ASSERT_EQ(spawner.Spawn(request, &pid, &pidfd), 0);
  UniqueFd owned(pidfd);
  pollfd p{pidfd, POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 50), 0);  // cat waits for its input
  in.write_end.Reset();
  EXPECT_EQ(poll(&p, 1, 30000), 1);
  EXPECT_EQ(ExitCode(Reap(pid)), 0);
}

TEST(Spawner, ChildLeadsItsOwnProcessGroup) {
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  Pipe in;
  Argv argv{"cat"};
  SpawnRequest request = RequestFor(argv);
  request.stdin_fd = in.read_end.get();
  pid_t pid = -1;
  int pidfd = -1;
  ASSERT_EQ(spawner.Spawn(request, &pid, &pidfd), 0);
  UniqueFd owned(pidfd);
  EXPECT_EQ(getpgid(pid), pid);  // set before execve, so already true here
  EXPECT_NE(getpgid(pid), getpgrp());
  EXPECT_EQ(getsid(pid), getsid(0));  // a new group, not a new session
  in.write_end.Reset();
  EXPECT_EQ(ExitCode(Reap(pid)), 0);
}

TEST(Spawner, ChildGetsAnEmptyMaskAndDefaultDispositions) {
  SignalStateGuard guard;
  // What coreflow does before starting tasks: block the termination signals (they go to a
  // signalfd) and ignore SIGPIPE; plus a handler and another ignored signal for good measure.
  ASSERT_EQ(BlockSignals({SIGINT, SIGTERM, SIGUSR1}), 0);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  signal(SIGUSR1, Handler);

  std::string own;
  ASSERT_TRUE(ReadSmallFile("/proc/self/status", &own));
  ASSERT_EQ(SignalField(own, "SigBlk") & (Bit(SIGINT) | Bit(SIGTERM)), Bit(SIGINT) | Bit(SIGTERM));
  ASSERT_EQ(SignalField(own, "SigIgn") & Bit(SIGPIPE), Bit(SIGPIPE));

  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  // cat reads its own status: what it inherited through execve.
  RunResult r = RunChild(spawner, Argv{"cat", "/proc/self/status"});
  ASSERT_EQ(r.spawn_error, 0);
  ASSERT_EQ(ExitCode(r.status), 0);
  EXPECT_EQ(SignalField(r.out, "SigBlk"), 0u) << r.out;
  uint64_t ignored = SignalField(r.out, "SigIgn");
  EXPECT_EQ(ignored & Bit(SIGPIPE), 0u);
  EXPECT_EQ(ignored & Bit(SIGQUIT), 0u);
  EXPECT_EQ(ignored & Bit(SIGINT), 0u);
  EXPECT_EQ(ignored & Bit(SIGTERM), 0u);

  // Spawn changes nothing here.
  std::string after;
  ASSERT_TRUE(ReadSmallFile("/proc/self/status", &after));
  EXPECT_EQ(SignalField(after, "SigBlk"), SignalField(own, "SigBlk"));
  EXPECT_EQ(SignalField(after, "SigIgn"), SignalField(own, "SigIgn"));
}

TEST(Spawner, ASleepingChildShowsTheResetStateInProc) {
  SignalStateGuard guard;
  ASSERT_EQ(BlockSignals({SIGINT, SIGTERM}), 0);
  signal(SIGPIPE, SIG_IGN);
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  Pipe in;
  Argv argv{"cat"};
  SpawnRequest request = RequestFor(argv);
  request.stdin_fd = in.read_end.get();
  pid_t pid = -1;
  int pidfd = -1;
  ASSERT_EQ(spawner.Spawn(request, &pid, &pidfd), 0);
  UniqueFd owned(pidfd);
  std::string status;
  bool read_ok = ReadSmallFile("/proc/" + std::to_string(pid) + "/status", &status);
  in.write_end.Reset();
  EXPECT_EQ(ExitCode(Reap(pid)), 0);
  ASSERT_TRUE(read_ok);
  EXPECT_EQ(SignalField(status, "SigBlk"), 0u);
  EXPECT_EQ(SignalField(status, "SigIgn") & (Bit(SIGPIPE) | Bit(SIGINT) | Bit(SIGTERM)), 0u);
}

TEST(Spawner, LeavesTheParentsSignalMaskAsItWas) {
  SignalStateGuard guard;
  ASSERT_EQ(BlockSignals({SIGUSR1}), 0);
  sigset_t before;
  sigprocmask(SIG_BLOCK, nullptr, &before);
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  EXPECT_EQ(ExitCode(RunChild(spawner, Argv{"true"}).status), 0);
  EXPECT_EQ(RunChild(spawner, Argv{"coreflow-no-such-program"}).spawn_error, ENOENT);
  sigset_t after;
  sigprocmask(SIG_BLOCK, nullptr, &after);
  for (int sig = 1; sig < NSIG; ++sig) {
    EXPECT_EQ(sigismember(&before, sig), sigismember(&after, sig)) << sig;
  }
}

// ---- Descriptors ----

TEST(Spawner, RedirectsStdinStdoutAndStderr) {
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  Pipe in, out, err;
  Argv argv{"/bin/sh", "-c", "cat; echo oops >&2"};
  SpawnRequest request = RequestFor(argv);
  request.stdin_fd = in.read_end.get();
  request.stdout_fd = out.write_end.get();
  request.stderr_fd = err.write_end.get();
  pid_t pid = -1;
  int pidfd = -1;
  ASSERT_EQ(spawner.Spawn(request, &pid, &pidfd), 0);
  UniqueFd owned(pidfd);
  in.read_end.Reset();
  out.write_end.Reset();
  err.write_end.Reset();
  ASSERT_EQ(WriteAll(in.write_end.get(), "line one\nline two\n"), 0);
  in.write_end.Reset();
  EXPECT_EQ(ReadToEnd(out.read_end.get()), "line one\nline two\n");
  EXPECT_EQ(ReadToEnd(err.read_end.get()), "oops\n");
  EXPECT_EQ(ExitCode(Reap(pid)), 0);
}

TEST(Spawner, StdoutAndStderrMayShareOneFile) {
  ScratchDir dir("spawn_test");
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  std::string path = dir.path() + "/both";
  UniqueFd file(OpenForWriting(path));
  Argv argv{"/bin/sh", "-c", "echo out; echo err >&2; echo out2"};
  SpawnRequest request = RequestFor(argv);
  request.stdout_fd = file.get();
  request.stderr_fd = file.get();
  pid_t pid = -1;
  int pidfd = -1;
  ASSERT_EQ(spawner.Spawn(request, &pid, &pidfd), 0);
  UniqueFd owned(pidfd);
  EXPECT_EQ(ExitCode(Reap(pid)), 0);
  std::string got;
  ASSERT_TRUE(ReadSmallFile(path, &got));
  EXPECT_EQ(got, "out\nerr\nout2\n");
}

TEST(Spawner, ADescriptorAlreadyAtItsTargetIsPassedEvenIfCloseOnExec) {
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  Pipe out;
  int parent_flags_during = -1;
  int spawn_error = -1;
  pid_t pid = -1;
  int pidfd = -1;
  {
    // Our stdout is the pipe, marked close-on-exec: stdout_fd == 1 must still reach the child.
    FdRedirect redirect(1, out.write_end.get());
    fcntl(1, F_SETFD, FD_CLOEXEC);
    Argv argv{"echo", "same descriptor"};
    SpawnRequest request = RequestFor(argv);
    request.stdout_fd = 1;
    spawn_error = spawner.Spawn(request, &pid, &pidfd);
    parent_flags_during = fcntl(1, F_GETFD);
    redirect.Restore();
  }
  ASSERT_EQ(spawn_error, 0);
  UniqueFd owned(pidfd);
  out.write_end.Reset();
  EXPECT_EQ(ReadToEnd(out.read_end.get()), "same descriptor\n");
  EXPECT_EQ(ExitCode(Reap(pid)), 0);
  // Only the child's copy of the descriptor table lost the flag.
  EXPECT_EQ(parent_flags_during & FD_CLOEXEC, FD_CLOEXEC);
}

TEST(Spawner, StdinAlreadyAtItsTargetIsPassedEvenIfCloseOnExec) {
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  Pipe in, out;
  FdRedirect redirect(0, in.read_end.get());
  fcntl(0, F_SETFD, FD_CLOEXEC);
  Argv argv{"cat"};
  SpawnRequest request = RequestFor(argv);
  request.stdin_fd = 0;
  request.stdout_fd = out.write_end.get();
  pid_t pid = -1;
  int pidfd = -1;
  ASSERT_EQ(spawner.Spawn(request, &pid, &pidfd), 0);
  UniqueFd owned(pidfd);
  redirect.Restore();
  in.read_end.Reset();
  out.write_end.Reset();
  ASSERT_EQ(WriteAll(in.write_end.get(), "via fd 0"), 0);
  in.write_end.Reset();
  EXPECT_EQ(ReadToEnd(out.read_end.get()), "via fd 0");
  EXPECT_EQ(ExitCode(Reap(pid)), 0);
}

TEST(Spawner, MinusOneKeepsTheParentsDescriptor) {
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  Pipe err;
  int spawn_error = -1;
  pid_t pid = -1;
  int pidfd = -1;
  {
    FdRedirect redirect(2, err.write_end.get());  // inheritable, as stderr normally is
    Argv argv{"/bin/sh", "-c", "echo inherited >&2"};
    SpawnRequest request = RequestFor(argv);
    request.stderr_fd = -1;
    spawn_error = spawner.Spawn(request, &pid, &pidfd);
  }
  ASSERT_EQ(spawn_error, 0);
  UniqueFd owned(pidfd);
  err.write_end.Reset();
  EXPECT_EQ(ReadToEnd(err.read_end.get()), "inherited\n");
  EXPECT_EQ(ExitCode(Reap(pid)), 0);
}

TEST(Spawner, CloseOnExecDescriptorsDoNotReachTheChild) {
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  Pipe marker;  // both ends close-on-exec
  std::string fd = std::to_string(marker.write_end.get());
  RunResult r = RunChild(spawner, Argv{"/bin/sh", "-c",
                                       "if [ -e /proc/self/fd/" + fd +
                                           " ]; then echo open; "
                                           "else echo closed; fi"});
  ASSERT_EQ(r.spawn_error, 0);
  EXPECT_EQ(r.out, "closed\n");
}

// ---- Finding and executing the program ----

TEST(Spawner, LooksTheProgramUpInPath) {
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  RunResult r = RunChild(spawner, Argv{"sh", "-c", "echo found"});
  ASSERT_EQ(r.spawn_error, 0);
  EXPECT_EQ(r.out, "found\n");

  ScratchDir dir("spawn_test");
  dir.Write("coreflow-spawn-test-tool", "#!/bin/sh\necho \"tool $1\"\nexit 42\n", 0755);
  RunResult tool;
  {
    EnvOverride path("PATH", PathWith(dir.path()));
    tool = RunChild(spawner, Argv{"coreflow-spawn-test-tool", "arg"});
  }
  ASSERT_EQ(tool.spawn_error, 0);
  EXPECT_EQ(tool.out, "tool arg\n");
  EXPECT_EQ(ExitCode(tool.status), 42);
}

TEST(Spawner, AMissingProgramIsEnoentAndLeavesNoProcess) {
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  size_t fds_before = OpenDescriptorCount();
  for (const char* name : {"coreflow-no-such-program-4711", "/nonexistent/dir/program"}) {
    Argv argv{name, "x"};
    SpawnRequest request = RequestFor(argv);
    pid_t pid = -2;
    int pidfd = -2;
    EXPECT_EQ(spawner.Spawn(request, &pid, &pidfd), ENOENT) << name;
    EXPECT_EQ(pid, -2);  // untouched
    EXPECT_EQ(pidfd, -2);
    EXPECT_TRUE(NoChildren()) << name;
  }
  EXPECT_EQ(OpenDescriptorCount(), fds_before);  // the failed child's pidfd was closed
}

TEST(Spawner, ANonExecutableFileIsEaccesAndLeavesNoProcess) {
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  ScratchDir dir("spawn_test");
  std::string plain = dir.Write("plain", "#!/bin/sh\necho should not run\n", 0644);
  EXPECT_EQ(RunChild(spawner, Argv{plain}).spawn_error, EACCES);
  EXPECT_TRUE(NoChildren());
  EXPECT_EQ(RunChild(spawner, Argv{dir.path()}).spawn_error, EACCES);  // a directory
  EXPECT_TRUE(NoChildren());

  // Found in PATH but not executable: also EACCES once the search finds nothing better.
  dir.Write("coreflow-spawn-test-noexec", "#!/bin/sh\n", 0644);
  int e;
  {
    EnvOverride path("PATH", PathWith(dir.path()));
    e = RunChild(spawner, Argv{"coreflow-spawn-test-noexec"}).spawn_error;
  }
  EXPECT_EQ(e, EACCES);
  EXPECT_TRUE(NoChildren());
}

TEST(Spawner, ATooLongArgumentIsE2bigAndLeavesNoProcess) {
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  // Linux caps one argument at 128 KiB (MAX_ARG_STRLEN).
  EXPECT_EQ(RunChild(spawner, Argv{"/bin/echo", std::string(200 * 1024, 'x')}).spawn_error, E2BIG);
  EXPECT_TRUE(NoChildren());
}

TEST(Spawner, AScriptWithoutShebangRunsInTheShell) {
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  ScratchDir dir("spawn_test");
  std::string script = dir.Write("script", "echo \"no shebang $#\"\nexit 9\n", 0755);
  RunResult r = RunChild(spawner, Argv{script, "a", "b"});
  ASSERT_EQ(r.spawn_error, 0);
  EXPECT_EQ(r.out, "no shebang 2\n");
  EXPECT_EQ(ExitCode(r.status), 9);
}

TEST(Spawner, PassesTheGivenEnvironmentOnly) {
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  std::vector<std::string> entries = {"A=1", "B=two words", "C="};
  std::vector<char*> envp;
  for (std::string& e : entries) envp.push_back(e.data());
  envp.push_back(nullptr);
  RunResult r = RunChild(spawner, Argv{"/usr/bin/env"}, envp.data());
  ASSERT_EQ(r.spawn_error, 0);
  EXPECT_EQ(r.out, "A=1\nB=two words\nC=\n");
}

// ---- Big argument lists ----

TEST(Spawner, AHundredThousandArgumentsWork) {
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  std::vector<std::string> words = {"/bin/sh", "-c", "echo $# $1 ${100000}", "sh"};
  for (int i = 1; i <= 100000; ++i) words.push_back("a" + std::to_string(i));
  RunResult r = RunChild(spawner, Argv(words));
  ASSERT_EQ(r.spawn_error, 0);
  EXPECT_EQ(r.out, "100000 a1 a100000\n");
  // The grown stack keeps serving small spawns.
  RunResult small = RunChild(spawner, Argv{"/bin/sh", "-c", "echo small"});
  ASSERT_EQ(small.spawn_error, 0);
  EXPECT_EQ(small.out, "small\n");
}

TEST(Spawner, AHundredThousandArgumentsToAScriptWithoutShebang) {
  // glibc copies argv onto the child's stack to run such a script through /bin/sh.
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  ScratchDir dir("spawn_test");
  std::string script = dir.Write("script", "echo $# $1 ${100000}\n", 0755);
  std::vector<std::string> words = {script};
  for (int i = 1; i <= 100000; ++i) words.push_back("b" + std::to_string(i));
  RunResult r = RunChild(spawner, Argv(words));
  ASSERT_EQ(r.spawn_error, 0);
  EXPECT_EQ(r.out, "100000 b1 b100000\n");
}

// ---- Limits ----

TEST(Spawner, AppliesTheNofileLimitInTheChildOnly) {
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  rlimit own{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &own), 0);
  rlimit child = own;
  child.rlim_cur = 64;
  RunResult r = RunChild(spawner, Argv{"/bin/sh", "-c", "ulimit -n; ulimit -Hn"}, environ, &child);
  ASSERT_EQ(r.spawn_error, 0);
  std::string hard = own.rlim_max == RLIM_INFINITY ? "unlimited" : std::to_string(own.rlim_max);
  EXPECT_EQ(r.out, "64\n" + hard + "\n");
  rlimit after{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_cur, own.rlim_cur);
  EXPECT_EQ(after.rlim_max, own.rlim_max);

  // Without one the child inherits ours.
  RunResult plain = RunChild(spawner, Argv{"/bin/sh", "-c", "ulimit -n"});
  std::string soft = own.rlim_cur == RLIM_INFINITY ? "unlimited" : std::to_string(own.rlim_cur);
  EXPECT_EQ(plain.out, soft + "\n");
}

TEST(Spawner, ShowsTheNofileLimitInProc) {
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  rlimit own{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &own), 0);
  rlimit child = own;
  child.rlim_cur = 100;
  RunResult r = RunChild(spawner, Argv{"cat", "/proc/self/limits"}, environ, &child);
  ASSERT_EQ(r.spawn_error, 0);
  size_t at = r.out.find("Max open files");
  ASSERT_NE(at, std::string::npos) << r.out;
  std::string line = r.out.substr(at, r.out.find('\n', at) - at);
  EXPECT_NE(line.find(" 100 "), std::string::npos) << line;
}

// ---- Hygiene ----

TEST(Spawner, ManySpawnsLeakNoDescriptorsOrProcesses) {
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  size_t before = OpenDescriptorCount();
  for (int i = 0; i < 50; ++i) {
    RunResult r = RunChild(spawner, Argv{"true"});
    ASSERT_EQ(r.spawn_error, 0);
    ASSERT_EQ(ExitCode(r.status), 0);
    ASSERT_EQ(RunChild(spawner, Argv{"coreflow-no-such-program"}).spawn_error, ENOENT);
  }
  EXPECT_EQ(OpenDescriptorCount(), before);
  EXPECT_TRUE(NoChildren());
}

TEST(Spawner, WorksWithoutInit) {
  Spawner spawner;  // Spawn allocates the stack itself
  RunResult r = RunChild(spawner, Argv{"/bin/sh", "-c", "echo ok"});
  ASSERT_EQ(r.spawn_error, 0);
  EXPECT_EQ(r.out, "ok\n");
}

}  // namespace
}  // namespace coreflow
