#include "exec/spawn.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sys/fd.h"

extern char** environ;

namespace coreflow {
namespace {

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

// A scratch directory removed with its contents at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = testing::TempDir() + "spawn_test.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
      return;
    }
    path_ = buf.data();
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& contents, mode_t mode) {
    std::string p = path_ + "/" + name;
    UniqueFd fd(OpenForWriting(p));
    EXPECT_TRUE(fd.valid()) << p;
    EXPECT_EQ(WriteAll(fd.get(), contents), 0);
    EXPECT_EQ(chmod(p.c_str(), mode), 0);
    return p;
  }

 private:
  std::string path_;
};

struct Pipe {
  Pipe() { EXPECT_EQ(MakePipe(&read_end, &write_end, false), 0); }
  UniqueFd read_end;
  UniqueFd write_end;
};

std::string ReadToEnd(int fd) {
  std::string out;
  char buffer[65536];
  for (;;) {
    ssize_t n = ReadSome(fd, buffer, sizeof buffer);
    if (n <= 0) return out;
    out.append(buffer, static_cast<size_t>(n));
  }
}

// Reaps `pid` and returns its wait status.
int Reap(pid_t pid) {
  int status = 0;
  pid_t r;
  do r = waitpid(pid, &status, 0);
  while (r < 0 && errno == EINTR);
  EXPECT_EQ(r, pid);
  return status;
}

int ExitCode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

// True when this process has no child at all, running or zombie.
bool NoChildren() {
  int status;
  errno = 0;
  return waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD;
}

size_t OpenDescriptorCount() {
  size_t n = 0;
  DIR* dir = opendir("/proc/self/fd");
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n;
}

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
  SpawnRequest request;
  request.file = argv.file();
  request.argv = argv.get();
  request.envp = envp;
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

// Saves the signal mask and the dispositions a test changes, and puts them back.
class SignalStateGuard {
 public:
  SignalStateGuard() {
    sigprocmask(SIG_BLOCK, nullptr, &mask_);
    for (size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], nullptr, &actions_[i]);
  }
  ~SignalStateGuard() {
    for (size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &actions_[i], nullptr);
    sigprocmask(SIG_SETMASK, &mask_, nullptr);
  }

 private:
  static constexpr std::array<int, 6> kSignals = {SIGPIPE, SIGINT,  SIGTERM,
                                                  SIGQUIT, SIGUSR1, SIGCHLD};
  sigset_t mask_{};
  std::array<struct sigaction, 6> actions_{};
};

void Handler(int) {}

// A hexadecimal signal set from a /proc/PID/status text ("SigBlk:\t0000000000010002").
uint64_t SignalField(const std::string& status, const std::string& name) {
  size_t at = status.find("\n" + name + ":");
  if (at == std::string::npos) {
    ADD_FAILURE() << name << " missing in:\n" << status;
    return ~uint64_t{0};
  }
  return std::strtoull(status.c_str() + at + name.size() + 2, nullptr, 16);
}

uint64_t Bit(int sig) { return uint64_t{1} << (sig - 1); }

// Points descriptor `target` somewhere else for a while and puts it back.
class FdRedirect {
 public:
  FdRedirect(int target, int fd) : target_(target) {
    saved_ = fcntl(target, F_DUPFD_CLOEXEC, 100);
    dup2(fd, target);
  }
  ~FdRedirect() { Restore(); }
  void Restore() {
    if (saved_ < 0) return;
    dup2(saved_, target_);
    close(saved_);
    saved_ = -1;
  }

 private:
  int target_;
  int saved_;
};

// ---- Starting processes ----

TEST(Spawner, StartsAProcessAndReturnsAWorkingPidfd) {
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  Argv argv{"/bin/sh", "-c", "exit 7"};
  SpawnRequest request;
  request.file = argv.file();
  request.argv = argv.get();
  request.envp = environ;
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
  SpawnRequest request;
  request.file = argv.file();
  request.argv = argv.get();
  request.envp = environ;
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
  SpawnRequest request;
  request.file = argv.file();
  request.argv = argv.get();
  request.envp = environ;
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
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGUSR1);
  ASSERT_EQ(sigprocmask(SIG_BLOCK, &block, nullptr), 0);
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
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  ASSERT_EQ(sigprocmask(SIG_BLOCK, &block, nullptr), 0);
  signal(SIGPIPE, SIG_IGN);
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  Pipe in;
  Argv argv{"cat"};
  SpawnRequest request;
  request.file = argv.file();
  request.argv = argv.get();
  request.envp = environ;
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
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  ASSERT_EQ(sigprocmask(SIG_BLOCK, &block, nullptr), 0);
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
  SpawnRequest request;
  request.file = argv.file();
  request.argv = argv.get();
  request.envp = environ;
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
  ScratchDir dir;
  Spawner spawner;
  ASSERT_EQ(spawner.Init(), 0);
  std::string path = dir.path() + "/both";
  UniqueFd file(OpenForWriting(path));
  Argv argv{"/bin/sh", "-c", "echo out; echo err >&2; echo out2"};
  SpawnRequest request;
  request.file = argv.file();
  request.argv = argv.get();
  request.envp = environ;
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
    SpawnRequest request;
    request.file = argv.file();
    request.argv = argv.get();
    request.envp = environ;
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
  SpawnRequest request;
  request.file = argv.file();
  request.argv = argv.get();
  request.envp = environ;
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
    SpawnRequest request;
    request.file = argv.file();
    request.argv = argv.get();
    request.envp = environ;
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

  ScratchDir dir;
  dir.Write("coreflow-spawn-test-tool", "#!/bin/sh\necho \"tool $1\"\nexit 42\n", 0755);
  std::string old_path = getenv("PATH") != nullptr ? getenv("PATH") : "";
  setenv("PATH", (dir.path() + ":" + old_path).c_str(), 1);
  RunResult tool = RunChild(spawner, Argv{"coreflow-spawn-test-tool", "arg"});
  setenv("PATH", old_path.c_str(), 1);
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
    SpawnRequest request;
    request.file = argv.file();
    request.argv = argv.get();
    request.envp = environ;
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
  ScratchDir dir;
  std::string plain = dir.Write("plain", "#!/bin/sh\necho should not run\n", 0644);
  EXPECT_EQ(RunChild(spawner, Argv{plain}).spawn_error, EACCES);
  EXPECT_TRUE(NoChildren());
  EXPECT_EQ(RunChild(spawner, Argv{dir.path()}).spawn_error, EACCES);  // a directory
  EXPECT_TRUE(NoChildren());

  // Found in PATH but not executable: also EACCES once the search finds nothing better.
  dir.Write("coreflow-spawn-test-noexec", "#!/bin/sh\n", 0644);
  std::string old_path = getenv("PATH") != nullptr ? getenv("PATH") : "";
  setenv("PATH", (dir.path() + ":" + old_path).c_str(), 1);
  int e = RunChild(spawner, Argv{"coreflow-spawn-test-noexec"}).spawn_error;
  setenv("PATH", old_path.c_str(), 1);
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
  ScratchDir dir;
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
  ScratchDir dir;
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
