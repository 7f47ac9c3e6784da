#pragma once

// Scaffolding shared by the unit tests: scratch files and directories, descriptors and pipes,
// child processes, environment and signal state. Problems are reported through GoogleTest, so a
// fixture that breaks shows up as a failing test.

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "sys/fd.h"

extern char** environ;

namespace coreflow::testutil {

// ---- Files and directories ----

// A test's own directory, named `prefix`.XXXXXX to show who made it; removed with its contents.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix) {
    std::string tmpl = testing::TempDir() + prefix + ".XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed for " << tmpl << ": " << ErrnoText(errno);
      return;
    }
    path_ = buf.data();
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  // Empty when the directory could not be made.
  const std::string& path() const { return path_; }

  // Creates file `name` (below the directory, missing parents made on the way) holding
  // `contents` with permissions `mode`, and returns its path.
  std::string Write(const std::string& name, const std::string& contents, mode_t mode = 0644) {
    std::string p = Below(name);
    if (p.empty()) return p;
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path(), ec);
    UniqueFd fd(OpenForWriting(p));
    EXPECT_TRUE(fd.valid()) << p << ": " << ErrnoText(errno);
    EXPECT_EQ(WriteAll(fd.get(), contents), 0) << p;
    EXPECT_EQ(chmod(p.c_str(), mode), 0) << p;
    return p;
  }

  // Creates directory `name` (below the directory) and any missing parents.
  void Mkdir(const std::string& name) {
    std::string p = Below(name);
    if (p.empty()) return;
    std::error_code ec;
    std::filesystem::create_directories(p, ec);
    EXPECT_FALSE(ec) << p << ": " << ec.message();
  }

 private:
  // `name` below the directory; a leading '/' lets it stand for a fake machine's root. Empty
  // (and a failure) without a directory, so that nothing is ever written outside it.
  std::string Below(const std::string& name) const {
    if (path_.empty()) {
      ADD_FAILURE() << "no scratch directory to hold " << name;
      return "";
    }
    return name.starts_with('/') ? path_ + name : path_ + "/" + name;
  }

  std::string path_;
};

// A file `prefix`.XXXXXX holding `contents`, for code that reads one path; removed at the end.
class TempFile {
 public:
  explicit TempFile(const std::string& prefix, const std::string& contents = "") {
    std::string tmpl = testing::TempDir() + prefix + ".XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    UniqueFd fd(mkstemp(buf.data()));
    if (!fd.valid()) {
      ADD_FAILURE() << "mkstemp failed for " << tmpl << ": " << ErrnoText(errno);
      return;
    }
    path_ = buf.data();
    EXPECT_EQ(WriteAll(fd.get(), contents), 0) << path_;
  }
  ~TempFile() {
    if (!path_.empty()) unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  // Empty when the file could not be made.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The names in a directory (without "." and ".."), to check what code left behind there.
inline std::vector<std::string> DirEntries(const std::string& path) {
  std::vector<std::string> out;
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return out;
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  closedir(dir);
  return out;
}

// ---- Reading and writing data ----

// Everything read from `fd` until end of file (a pipe a child wrote to, say); errors fail.
inline std::string ReadToEnd(int fd) {
  std::string out;
  char buffer[65536];
  for (;;) {
    ssize_t n = ReadSome(fd, buffer, sizeof buffer);
    if (n <= 0) {
      EXPECT_EQ(n, 0) << ErrnoText(errno);
      return out;
    }
    out.append(buffer, static_cast<size_t>(n));
  }
}

// A file's contents from `offset` on, by pread: its file position neither matters nor moves.
inline std::string FileContents(int fd, off_t offset = 0) {
  std::string out;
  char buffer[65536];
  for (;;) {
    ssize_t n = pread(fd, buffer, sizeof buffer, offset);
    if (n <= 0) return out;
    out.append(buffer, static_cast<size_t>(n));
    offset += n;
  }
}

// The whole file at `path`, to compare with what code wrote; a missing file fails the test.
inline std::string ReadFile(const std::string& path) {
  UniqueFd fd(OpenForReading(path));
  EXPECT_TRUE(fd.valid()) << path << ": " << ErrnoText(errno);
  return fd.valid() ? ReadToEnd(fd.get()) : "";
}

// Replaces the file at `path` with `contents`; a failure fails the test.
inline void WriteFile(const std::string& path, const std::string& contents) {
  UniqueFd fd(OpenForWriting(path));
  ASSERT_TRUE(fd.valid()) << path << ": " << ErrnoText(errno);
  ASSERT_EQ(WriteAll(fd.get(), contents), 0) << path;
}

// A memfd standing for a stdout or stderr that the code under test writes to.
class MemFile {
 public:
  explicit MemFile(const char* name) : fd_(memfd_create(name, MFD_CLOEXEC)) {
    EXPECT_TRUE(fd_.valid()) << ErrnoText(errno);
  }
  int fd() const { return fd_.get(); }
  // Everything written so far.
  std::string Text() const { return FileContents(fd_.get()); }
  // What was written since the last call.
  std::string Take() {
    std::string out = FileContents(fd_.get(), taken_);
    taken_ += static_cast<off_t>(out.size());
    return out;
  }

 private:
  UniqueFd fd_;
  off_t taken_ = 0;
};

// `size` non-periodic bytes, so that a lost, doubled or reordered chunk of a copy shows.
inline std::string Pattern(size_t size, uint32_t seed = 1) {
  std::string s(size, '\0');
  uint32_t x = seed;
  for (size_t i = 0; i < size; ++i) {
    x = x * 1664525u + 1013904223u;
    s[i] = static_cast<char>(x >> 24);
  }
  return s;
}

// A blocking close-on-exec pipe, for feeding or draining a child or a reader under test.
struct Pipe {
  Pipe() { EXPECT_EQ(MakePipe(&read_end, &write_end, false), 0); }
  UniqueFd read_end;
  UniqueFd write_end;
};

// ---- Process state ----

// Sets (nullopt: unsets) variable `name`, such as TMPDIR or PATH, until destruction restores it.
class EnvOverride {
 public:
  EnvOverride(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
    if (const char* old = getenv(name_.c_str())) old_ = old;
    if (value) {
      setenv(name_.c_str(), value->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  ~EnvOverride() {
    if (old_) {
      setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  EnvOverride(const EnvOverride&) = delete;
  EnvOverride& operator=(const EnvOverride&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// Sets the umask for the object's lifetime, so that file modes do not depend on the caller's.
class UmaskOverride {
 public:
  explicit UmaskOverride(mode_t mask) : old_(umask(mask)) {}
  ~UmaskOverride() { umask(old_); }
  UmaskOverride(const UmaskOverride&) = delete;
  UmaskOverride& operator=(const UmaskOverride&) = delete;

 private:
  mode_t old_;
};

// Points our descriptor `target` (0, 1 or 2, say) at `fd` until Restore() or destruction.
class FdRedirect {
 public:
  FdRedirect(int target, int fd) : target_(target) {
    saved_ = fcntl(target, F_DUPFD_CLOEXEC, 100);
    dup2(fd, target);
  }
  ~FdRedirect() { Restore(); }
  FdRedirect(const FdRedirect&) = delete;
  FdRedirect& operator=(const FdRedirect&) = delete;
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

// ---- Signals ----

// Starts a test with no signal blocked; restores the mask and the dispositions tests change.
class SignalStateGuard {
 public:
  SignalStateGuard() {
    for (size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], nullptr, &actions_[i]);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, &mask_);
  }
  ~SignalStateGuard() {
    for (size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &actions_[i], nullptr);
    sigprocmask(SIG_SETMASK, &mask_, nullptr);
  }
  SignalStateGuard(const SignalStateGuard&) = delete;
  SignalStateGuard& operator=(const SignalStateGuard&) = delete;

 private:
  static constexpr std::array<int, 7> kSignals = {SIGPIPE, SIGINT,  SIGTERM, SIGHUP,
                                                  SIGQUIT, SIGUSR1, SIGCHLD};
  sigset_t mask_{};
  std::array<struct sigaction, 7> actions_{};
};

// Ignores SIGPIPE until destruction, so writes to a closed pipe fail with EPIPE, not kill us.
class IgnoreSigpipe {
 public:
  IgnoreSigpipe() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, &old_);
  }
  ~IgnoreSigpipe() { sigaction(SIGPIPE, &old_, nullptr); }
  IgnoreSigpipe(const IgnoreSigpipe&) = delete;
  IgnoreSigpipe& operator=(const IgnoreSigpipe&) = delete;

 private:
  struct sigaction old_ {};
};

// Blocks `signals` in this thread, as coreflow does before starting tasks; sigprocmask's result.
inline int BlockSignals(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : signals) sigaddset(&set, sig);
  return sigprocmask(SIG_BLOCK, &set, nullptr);
}

// Whether `sig` is in this thread's signal mask, to check what code under test blocked.
inline bool IsBlocked(int sig) {
  sigset_t current;
  sigprocmask(SIG_BLOCK, nullptr, &current);
  return sigismember(&current, sig) == 1;
}

// The handler installed for `sig` (SIG_DFL, SIG_IGN or a function), to check what code set.
inline sighandler_t Disposition(int sig) {
  struct sigaction current {};
  sigaction(sig, nullptr, &current);
  return current.sa_handler;
}

// A signal set from /proc/PID/status ("SigBlk:\t0000000000010002"): what a child really got.
inline uint64_t SignalField(const std::string& status, const std::string& name) {
  size_t at = status.find("\n" + name + ":");
  if (at == std::string::npos) {
    ADD_FAILURE() << name << " missing in:\n" << status;
    return ~uint64_t{0};
  }
  return std::strtoull(status.c_str() + at + name.size() + 2, nullptr, 16);
}

// ---- Child processes ----

// Waits for child `pid`, retrying on EINTR, and returns its wait status.
inline int Reap(pid_t pid) {
  int status = 0;
  pid_t r;
  do r = waitpid(pid, &status, 0);
  while (r < 0 && errno == EINTR);
  EXPECT_EQ(r, pid);
  return status;
}

// True when this process has no child at all, running or zombie: nothing leaked or unreaped.
inline bool NoChildren() {
  int status;
  errno = 0;
  return waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD;
}

// Runs `args` in `cwd` (empty: ours) apart from the code under test; returns stdout, sets *status.
inline std::string RunProgram(const std::vector<std::string>& args, int* status,
                              const std::string& cwd = "") {
  Pipe out;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out.write_end.get(), STDOUT_FILENO);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  int e = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  out.write_end.Reset();
  if (e != 0) {
    ADD_FAILURE() << "posix_spawn " << args[0] << ": " << ErrnoText(e);
    return "";
  }
  std::string output = ReadToEnd(out.read_end.get());
  *status = Reap(pid);
  return output;
}

}  // namespace coreflow::testutil
