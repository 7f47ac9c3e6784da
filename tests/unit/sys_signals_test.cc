#include "sys/signals.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

namespace coreflow {
namespace {

bool IsBlocked(int sig) {
  sigset_t current;
  sigprocmask(SIG_BLOCK, nullptr, &current);
  return sigismember(&current, sig) == 1;
}

sighandler_t Disposition(int sig) {
  struct sigaction current {};
  sigaction(sig, nullptr, &current);
  return current.sa_handler;
}

void Handler(int) {}

// Starts a test with no signal blocked; puts the mask and the SIGPIPE disposition back at its end.
class SignalStateGuard {
 public:
  SignalStateGuard() {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, &mask_);
    sigaction(SIGPIPE, nullptr, &pipe_);
  }
  ~SignalStateGuard() {
    sigaction(SIGPIPE, &pipe_, nullptr);
    sigprocmask(SIG_SETMASK, &mask_, nullptr);
  }

 private:
  sigset_t mask_{};
  struct sigaction pipe_ {};
};

TEST(TerminationSignals, BlocksTerminationSignalsAndIgnoresSigpipe) {
  SignalStateGuard guard;
  TerminationSignals signals;
  ASSERT_EQ(signals.Install(), 0);
  EXPECT_GE(signals.fd(), 0);
  EXPECT_TRUE(IsBlocked(SIGINT));
  EXPECT_TRUE(IsBlocked(SIGTERM));
  EXPECT_TRUE(IsBlocked(SIGHUP));
  EXPECT_FALSE(IsBlocked(SIGUSR1));
  EXPECT_EQ(Disposition(SIGPIPE), SIG_IGN);
  EXPECT_EQ(signals.ReadSignal(), 0);  // nothing pending
}

TEST(TerminationSignals, ARaisedSignalIsReadFromTheDescriptor) {
  SignalStateGuard guard;
  TerminationSignals signals;
  ASSERT_EQ(signals.Install(), 0);
  ASSERT_EQ(raise(SIGTERM), 0);  // blocked: it waits on the signalfd instead of killing us
  pollfd p{signals.fd(), POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 10000), 1);
  EXPECT_EQ(signals.ReadSignal(), SIGTERM);
  EXPECT_EQ(signals.ReadSignal(), 0);

  // Several different signals are all delivered.
  ASSERT_EQ(kill(getpid(), SIGHUP), 0);
  ASSERT_EQ(kill(getpid(), SIGINT), 0);
  int first = signals.ReadSignal();
  int second = signals.ReadSignal();
  EXPECT_EQ(first + second, SIGHUP + SIGINT);
  EXPECT_NE(first, second);
  EXPECT_EQ(signals.ReadSignal(), 0);
}

TEST(TerminationSignals, RestorePutsTheMaskAndSigpipeBack) {
  SignalStateGuard guard;
  // A state of our own before Install: SIGUSR1 and SIGHUP blocked, a SIGPIPE handler.
  sigset_t pre;
  sigemptyset(&pre);
  sigaddset(&pre, SIGUSR1);
  sigaddset(&pre, SIGHUP);
  sigprocmask(SIG_BLOCK, &pre, nullptr);
  struct sigaction handler {};
  handler.sa_handler = Handler;
  sigaction(SIGPIPE, &handler, nullptr);

  TerminationSignals signals;
  ASSERT_EQ(signals.Install(), 0);
  EXPECT_EQ(Disposition(SIGPIPE), SIG_IGN);
  signals.Restore();
  EXPECT_EQ(signals.fd(), -1);
  EXPECT_EQ(Disposition(SIGPIPE), &Handler);
  EXPECT_TRUE(IsBlocked(SIGUSR1));
  EXPECT_TRUE(IsBlocked(SIGHUP));  // was blocked before: stays blocked
  EXPECT_FALSE(IsBlocked(SIGTERM));
  EXPECT_FALSE(IsBlocked(SIGINT));
  signals.Restore();  // a second Restore changes nothing
  EXPECT_TRUE(IsBlocked(SIGUSR1));
  EXPECT_EQ(Disposition(SIGPIPE), &Handler);
}

TEST(TerminationSignals, DestructorRestores) {
  SignalStateGuard guard;
  signal(SIGPIPE, SIG_DFL);
  {
    TerminationSignals signals;
    ASSERT_EQ(signals.Install(), 0);
    EXPECT_TRUE(IsBlocked(SIGTERM));
  }
  EXPECT_FALSE(IsBlocked(SIGTERM));
  EXPECT_EQ(Disposition(SIGPIPE), SIG_DFL);
}

TEST(TerminationSignals, RestoreWithoutInstallDoesNothing) {
  SignalStateGuard guard;
  sigset_t pre;
  sigemptyset(&pre);
  sigaddset(&pre, SIGTERM);
  sigprocmask(SIG_BLOCK, &pre, nullptr);
  {
    TerminationSignals signals;
    signals.Restore();
  }
  EXPECT_TRUE(IsBlocked(SIGTERM));
}

TEST(SignalsToResetInChild, HoldsWhatCoreflowBlocksOrIgnores) {
  sigset_t set = SignalsToResetInChild();
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD, SIGQUIT}) {
    EXPECT_EQ(sigismember(&set, sig), 1) << sig;
  }
  for (int sig : {SIGUSR1, SIGUSR2, SIGALRM, SIGKILL, SIGSEGV}) {
    EXPECT_EQ(sigismember(&set, sig), 0) << sig;
  }
}

}  // namespace
}  // namespace coreflow
