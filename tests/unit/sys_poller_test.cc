#include "sys/poller.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "sys/clock.h"
#include "sys/fd.h"

namespace coreflow {
namespace {

constexpr Nanos kMs = kNanosPerMilli;

// True when `fd` becomes readable within `timeout_ms`.
bool BecomesReadable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN) != 0;
}

// ---- Poller ----

TEST(Poller, ReportsReadyDescriptorsWithTheirTokens) {
  Poller poller;
  ASSERT_EQ(poller.Init(), 0);
  UniqueFd r1, w1, r2, w2;
  ASSERT_EQ(MakePipe(&r1, &w1, true), 0);
  ASSERT_EQ(MakePipe(&r2, &w2, true), 0);
  const uint64_t kToken1 = (uint64_t{7} << 56) | 12345;
  const uint64_t kToken2 = 42;
  ASSERT_EQ(poller.Add(r1.get(), EPOLLIN, kToken1), 0);
  ASSERT_EQ(poller.Add(r2.get(), EPOLLIN, kToken2), 0);

  std::vector<epoll_event> ready;
  EXPECT_EQ(poller.Wait(&ready, 0), 0);  // nothing yet

  ASSERT_EQ(WriteAll(w2.get(), "x"), 0);
  ASSERT_EQ(poller.Wait(&ready, 5000), 1);
  EXPECT_EQ(ready[0].data.u64, kToken2);
  EXPECT_TRUE(ready[0].events & EPOLLIN);

  ASSERT_EQ(WriteAll(w1.get(), "y"), 0);
  ASSERT_EQ(poller.Wait(&ready, 5000), 2);  // level-triggered: r2 is still readable
  std::vector<uint64_t> tokens = {ready[0].data.u64, ready[1].data.u64};
  EXPECT_NE(std::find(tokens.begin(), tokens.end(), kToken1), tokens.end());
  EXPECT_NE(std::find(tokens.begin(), tokens.end(), kToken2), tokens.end());
}

TEST(Poller, WaitTimesOutWithZeroEvents) {
  Poller poller;
  ASSERT_EQ(poller.Init(), 0);
  std::vector<epoll_event> ready;
  Nanos start = MonotonicNow();
  EXPECT_EQ(poller.Wait(&ready, 30), 0);
  EXPECT_GE(MonotonicNow() - start, 25 * kMs);
}

void IgnoreAlarm(int) {}

TEST(Poller, ASignalHandlerInterruptingWaitYieldsZeroEvents) {
  struct sigaction handler {};
  struct sigaction old {};
  handler.sa_handler = IgnoreAlarm;
  sigemptyset(&handler.sa_mask);
  ASSERT_EQ(sigaction(SIGALRM, &handler, &old), 0);
  sigset_t alarm_only, old_mask;
  sigemptyset(&alarm_only);
  sigaddset(&alarm_only, SIGALRM);
  sigprocmask(SIG_UNBLOCK, &alarm_only, &old_mask);
  Poller poller;
  ASSERT_EQ(poller.Init(), 0);
  itimerval timer{};
  timer.it_value.tv_usec = 50 * 1000;
  ASSERT_EQ(setitimer(ITIMER_REAL, &timer, nullptr), 0);
  std::vector<epoll_event> ready;
  Nanos start = MonotonicNow();
  int n = poller.Wait(&ready, 30000);
  Nanos elapsed = MonotonicNow() - start;
  itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(SIGALRM, &old, nullptr);
  EXPECT_EQ(n, 0);  // not an error: the caller just waits again
  EXPECT_LT(elapsed, 20 * kNanosPerSecond);
}

TEST(Poller, ModifyChangesTokenAndEventsRemoveStopsReports) {
  Poller poller;
  ASSERT_EQ(poller.Init(), 0);
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, true), 0);
  ASSERT_EQ(WriteAll(w.get(), "x"), 0);
  ASSERT_EQ(poller.Add(r.get(), EPOLLIN | EPOLLONESHOT, 1), 0);
  std::vector<epoll_event> ready;
  ASSERT_EQ(poller.Wait(&ready, 5000), 1);
  EXPECT_EQ(ready[0].data.u64, 1u);
  EXPECT_EQ(poller.Wait(&ready, 0), 0);  // one-shot: disabled until re-armed

  ASSERT_EQ(poller.Modify(r.get(), EPOLLIN | EPOLLONESHOT, 2), 0);
  ASSERT_EQ(poller.Wait(&ready, 5000), 1);
  EXPECT_EQ(ready[0].data.u64, 2u);

  ASSERT_EQ(poller.Modify(r.get(), EPOLLIN, 3), 0);
  poller.Remove(r.get());
  EXPECT_EQ(poller.Wait(&ready, 0), 0);
  // Once removed it can be added again.
  EXPECT_EQ(poller.Add(r.get(), EPOLLIN, 4), 0);
  ASSERT_EQ(poller.Wait(&ready, 5000), 1);
  EXPECT_EQ(ready[0].data.u64, 4u);
}

TEST(Poller, ReportsErrorsAsErrno) {
  Poller poller;
  ASSERT_EQ(poller.Init(), 0);
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, true), 0);
  EXPECT_EQ(poller.Add(-1, EPOLLIN, 1), EBADF);
  EXPECT_EQ(poller.Modify(r.get(), EPOLLIN, 1), ENOENT);  // not added yet
  ASSERT_EQ(poller.Add(r.get(), EPOLLIN, 1), 0);
  EXPECT_EQ(poller.Add(r.get(), EPOLLIN, 1), EEXIST);
  // Regular files cannot be watched: epoll says EPERM.
  UniqueFd file(OpenForReading("/proc/self/status"));
  ASSERT_TRUE(file.valid());
  EXPECT_NE(poller.Add(file.get(), EPOLLIN, 2), 0);
}

TEST(Poller, ReportsHangUpOfAClosedWriter) {
  Poller poller;
  ASSERT_EQ(poller.Init(), 0);
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, true), 0);
  ASSERT_EQ(poller.Add(r.get(), EPOLLIN, 9), 0);
  w.Reset();
  std::vector<epoll_event> ready;
  ASSERT_EQ(poller.Wait(&ready, 5000), 1);
  EXPECT_EQ(ready[0].data.u64, 9u);
  EXPECT_TRUE(ready[0].events & EPOLLHUP);
}

TEST(Poller, WaitGrowsASmallEventVector) {
  Poller poller;
  ASSERT_EQ(poller.Init(), 0);
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, true), 0);
  ASSERT_EQ(poller.Add(r.get(), EPOLLIN, 5), 0);
  ASSERT_EQ(WriteAll(w.get(), "x"), 0);
  std::vector<epoll_event> ready;  // empty: Wait must make room
  ASSERT_EQ(poller.Wait(&ready, 5000), 1);
  ASSERT_GE(ready.size(), 1u);
  EXPECT_EQ(ready[0].data.u64, 5u);
}

// ---- DeadlineTimer ----

TEST(DeadlineTimer, FiresAtTheAbsoluteDeadlineNotBefore) {
  DeadlineTimer timer;
  ASSERT_EQ(timer.Init(), 0);
  ASSERT_GE(timer.fd(), 0);
  EXPECT_FALSE(BecomesReadable(timer.fd(), 0));  // not armed
  Nanos start = MonotonicNow();
  timer.ArmAt(start + 100 * kMs);
  ASSERT_TRUE(BecomesReadable(timer.fd(), 10000));
  EXPECT_GE(MonotonicNow() - start, 100 * kMs);
  timer.Acknowledge();
  EXPECT_FALSE(BecomesReadable(timer.fd(), 0));  // consumed; not periodic
  timer.Acknowledge();                           // nothing to consume: harmless
}

TEST(DeadlineTimer, ADeadlineInThePastFiresAtOnce) {
  DeadlineTimer timer;
  ASSERT_EQ(timer.Init(), 0);
  timer.ArmAt(MonotonicNow() - kNanosPerSecond);
  EXPECT_TRUE(BecomesReadable(timer.fd(), 10000));
  timer.Acknowledge();
  EXPECT_FALSE(BecomesReadable(timer.fd(), 0));
}

TEST(DeadlineTimer, ZeroDisarmsAndRearmingMovesTheDeadline) {
  DeadlineTimer timer;
  ASSERT_EQ(timer.Init(), 0);
  timer.ArmAt(MonotonicNow() + 50 * kMs);
  timer.ArmAt(0);
  EXPECT_FALSE(BecomesReadable(timer.fd(), 300));

  // Re-arming replaces the earlier deadline.
  timer.ArmAt(MonotonicNow() + 3600 * kNanosPerSecond);
  Nanos start = MonotonicNow();
  timer.ArmAt(start + 20 * kMs);
  EXPECT_TRUE(BecomesReadable(timer.fd(), 10000));
  EXPECT_GE(MonotonicNow() - start, 20 * kMs);
}

TEST(DeadlineTimer, WorksInsideAPoller) {
  Poller poller;
  ASSERT_EQ(poller.Init(), 0);
  DeadlineTimer timer;
  ASSERT_EQ(timer.Init(), 0);
  ASSERT_EQ(poller.Add(timer.fd(), EPOLLIN, 77), 0);
  timer.ArmAt(MonotonicNow() + 10 * kMs);
  std::vector<epoll_event> ready;
  ASSERT_EQ(poller.Wait(&ready, 10000), 1);
  EXPECT_EQ(ready[0].data.u64, 77u);
  timer.Acknowledge();
  EXPECT_EQ(poller.Wait(&ready, 0), 0);
}

}  // namespace
}  // namespace coreflow
