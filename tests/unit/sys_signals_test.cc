#include "sys/signals.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "test_util.h"

namespace coreflow {
namespace {

using testutil::BlockSignals;
using testutil::Disposition;
using testutil::IsBlocked;
using testutil::SignalStateGuard;

void Handler(int) {}

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
  BlockSignals({SIGUSR1, SIGHUP});
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
  BlockSignals({SIGTERM});
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
