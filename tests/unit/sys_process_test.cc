#include "sys/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "sys/fd.h"

namespace coreflow {
namespace {

// A child that waits for its stdin pipe to close, then exits with `code`.
class BlockedChild {
 public:
  explicit BlockedChild(int code = 0) {
    UniqueFd r, w;
    EXPECT_EQ(MakePipe(&r, &w, false), 0);
    pid_ = fork();
    if (pid_ == 0) {
      // Keep only the read end: an inherited write end (of another child's pipe too) would
      // keep this read from ever seeing the end of file.
      for (int fd = 3; fd < 1024; ++fd) {
        if (fd != r.get()) close(fd);
      }
      char c;
      while (read(r.get(), &c, 1) > 0) {
      }
      _exit(code);
    }
    EXPECT_GT(pid_, 0);
    writer_ = std::move(w);
  }
  ~BlockedChild() {
    Release();
    Reap();
  }
  pid_t pid() const { return pid_; }
  void Release() { writer_.Reset(); }
  int Reap() {
    int status = 0;
    if (pid_ > 0) {
      EXPECT_EQ(waitpid(pid_, &status, 0), pid_);
      pid_ = -1;
    }
    return status;
  }

 private:
  pid_t pid_ = -1;
  UniqueFd writer_;
};

bool Contains(const std::vector<pid_t>& v, pid_t pid) {
  return std::find(v.begin(), v.end(), pid) != v.end();
}

TEST(ListChildren, ListsLiveAndExitedUnreapedChildrenOnly) {
  BlockedChild a, b;
  std::vector<pid_t> children = ListChildren();
  EXPECT_TRUE(Contains(children, a.pid()));
  EXPECT_TRUE(Contains(children, b.pid()));
  EXPECT_FALSE(Contains(children, getpid()));
  EXPECT_FALSE(Contains(children, getppid()));

  // A zombie is still a child until it is reaped.
  pid_t a_pid = a.pid();
  a.Release();
  int fd = PidfdOpen(a_pid);
  ASSERT_GE(fd, 0);
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 10000), 1);
  close(fd);
  EXPECT_TRUE(Contains(ListChildren(), a_pid));
  a.Reap();
  children = ListChildren();
  EXPECT_FALSE(Contains(children, a_pid));
  EXPECT_TRUE(Contains(children, b.pid()));
}

TEST(ListChildren, IsEmptyWithoutChildren) {
  // Every other test reaps what it starts, and each test may run in a process of its own.
  int status;
  while (waitpid(-1, &status, WNOHANG) > 0) {
  }
  EXPECT_TRUE(ListChildren().empty());
}

TEST(PidfdOpen, BecomesReadableWhenTheProcessExits) {
  BlockedChild child(7);
  int fd = PidfdOpen(child.pid());
  ASSERT_GE(fd, 0) << ErrnoText(errno);
  UniqueFd pidfd(fd);
  EXPECT_NE(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);  // pidfd_open always sets close-on-exec
  pollfd p{fd, POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 0), 0);  // still running
  child.Release();
  ASSERT_EQ(poll(&p, 1, 10000), 1);
  int status = child.Reap();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 7);
}

TEST(PidfdOpen, FailsForANonexistentProcess) {
  BlockedChild child;
  pid_t pid = child.pid();
  child.Release();
  child.Reap();  // the pid is free now (and cannot be reused this fast in practice)
  errno = 0;
  int fd = PidfdOpen(pid);
  if (fd >= 0) close(fd);
  EXPECT_EQ(fd, -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(BecomeChildSubreaper, SetsTheFlagAndOrphansComeBack) {
  ASSERT_EQ(BecomeChildSubreaper(), 0);
  int flag = 0;
  ASSERT_EQ(prctl(PR_GET_CHILD_SUBREAPER, &flag), 0);
  EXPECT_EQ(flag, 1);

  // A child forks a grandchild and exits: the grandchild must be re-parented to us.
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, false), 0);
  UniqueFd report_r, report_w;
  ASSERT_EQ(MakePipe(&report_r, &report_w, false), 0);
  pid_t child = fork();
  if (child == 0) {
    pid_t grandchild = fork();
    if (grandchild == 0) {
      w.Reset();
      report_w.Reset();
      char c;
      while (read(r.get(), &c, 1) > 0) {
      }
      _exit(0);
    }
    WriteAll(report_w.get(), reinterpret_cast<const char*>(&grandchild), sizeof grandchild);
    _exit(0);
  }
  ASSERT_GT(child, 0);
  report_w.Reset();
  pid_t grandchild = 0;
  ASSERT_EQ(ReadSome(report_r.get(), reinterpret_cast<char*>(&grandchild), sizeof grandchild),
            static_cast<ssize_t>(sizeof grandchild));
  int status;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(Contains(ListChildren(), grandchild));
  w.Reset();  // let the grandchild end
  ASSERT_EQ(waitpid(grandchild, &status, 0), grandchild);
  EXPECT_TRUE(WIFEXITED(status));
}

// Puts RLIMIT_NOFILE back at the end of a test.
class FileLimitGuard {
 public:
  FileLimitGuard() { getrlimit(RLIMIT_NOFILE, &saved_); }
  ~FileLimitGuard() { setrlimit(RLIMIT_NOFILE, &saved_); }
  const rlimit& saved() const { return saved_; }

 private:
  rlimit saved_{};
};

TEST(RaiseFileLimit, RaisesTheSoftLimitToTheHardOneAndReportsTheOriginal) {
  FileLimitGuard guard;
  rlimit lowered = guard.saved();
  if (lowered.rlim_max != RLIM_INFINITY && lowered.rlim_max <= 64) GTEST_SKIP() << "hard limit";
  lowered.rlim_cur = 64;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  rlimit original{};
  ASSERT_TRUE(RaiseFileLimit(&original));
  EXPECT_EQ(original.rlim_cur, 64u);
  EXPECT_EQ(original.rlim_max, lowered.rlim_max);
  rlimit now{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &now), 0);
  rlim_t expected = lowered.rlim_max == RLIM_INFINITY
                        ? rlim_t{1} << 20
                        : std::min<rlim_t>(lowered.rlim_max, rlim_t{1} << 20);
  EXPECT_EQ(now.rlim_cur, expected);
  EXPECT_EQ(now.rlim_max, lowered.rlim_max);

  // Already at the target: nothing changes and `original` is left alone.
  rlimit untouched{1, 2};
  EXPECT_FALSE(RaiseFileLimit(&untouched));
  EXPECT_EQ(untouched.rlim_cur, 1u);
  EXPECT_EQ(untouched.rlim_max, 2u);
}

int64_t StatusKib(const char* field) {
  std::string status;
  EXPECT_TRUE(ReadSmallFile("/proc/self/status", &status));
  size_t at = status.find(field);
  if (at == std::string::npos) {
    ADD_FAILURE() << field;
    return 0;
  }
  return std::strtoll(status.c_str() + at + std::strlen(field), nullptr, 10);
}

TEST(GetSelfUsage, ReportsCpuTimeAndPeakRssOfThisProcess) {
  int64_t rss_before = StatusKib("VmRSS:");
  SelfUsage before = GetSelfUsage();
  EXPECT_GE(before.user_ns, 0);
  EXPECT_GE(before.sys_ns, 0);
  EXPECT_GT(before.max_rss_kib, 0);

  // Touch 64 MiB that was never touched before: the peak must grow by about that much.
  const size_t kBytes = 64u << 20;
  std::vector<char> block(kBytes);
  for (size_t i = 0; i < kBytes; i += 4096) block[i] = static_cast<char>(i);
  volatile uint64_t sink = 0;
  for (int round = 0; round < 20; ++round) {
    for (size_t i = 0; i < kBytes; i += 4096) sink = sink + static_cast<unsigned char>(block[i]);
  }
  SelfUsage after = GetSelfUsage();
  EXPECT_GE(after.max_rss_kib, rss_before + 48 * 1024);
  EXPECT_GE(after.max_rss_kib, before.max_rss_kib);
  EXPECT_GE(after.user_ns + after.sys_ns, before.user_ns + before.sys_ns);
  EXPECT_GT(after.user_ns + after.sys_ns, 0);

  // It agrees with VmHWM, not with a child's usage.
  int64_t hwm = StatusKib("VmHWM:");
  EXPECT_GE(hwm, after.max_rss_kib);
  EXPECT_LE(hwm - after.max_rss_kib, 16 * 1024);
}

TEST(ProcessEnvironment, SnapshotsEnviron) {
  ASSERT_EQ(setenv("COREFLOW_PROCESS_TEST_VAR", "a=b c", 1), 0);
  Environment env = ProcessEnvironment();
  ASSERT_NE(env.Get("COREFLOW_PROCESS_TEST_VAR"), nullptr);
  EXPECT_EQ(*env.Get("COREFLOW_PROCESS_TEST_VAR"), "a=b c");
  ASSERT_EQ(unsetenv("COREFLOW_PROCESS_TEST_VAR"), 0);
  EXPECT_NE(env.Get("COREFLOW_PROCESS_TEST_VAR"), nullptr);  // a value, not a view
  EXPECT_EQ(ProcessEnvironment().Get("COREFLOW_PROCESS_TEST_VAR"), nullptr);
  const char* path = getenv("PATH");
  if (path != nullptr) {
    ASSERT_NE(ProcessEnvironment().Get("PATH"), nullptr);
    EXPECT_EQ(*ProcessEnvironment().Get("PATH"), path);
  }
}

}  // namespace
}  // namespace coreflow
