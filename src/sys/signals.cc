#include "sys/signals.h"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

namespace coreflow {
namespace {

sigset_t TerminationSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

int TerminationSignals::Install() {
  sigset_t set = TerminationSet();
  if (::sigprocmask(SIG_BLOCK, &set, &old_mask_) != 0) return errno;
  int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
    return e;
  }
  fd_.Reset(fd);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGPIPE, &ignore, &old_pipe_);
  installed_ = true;
  return 0;
}

void TerminationSignals::Restore() {
  if (!installed_) return;
  installed_ = false;
  fd_.Reset();
  ::sigaction(SIGPIPE, &old_pipe_, nullptr);
  ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
}

int TerminationSignals::ReadSignal() {
  signalfd_siginfo info{};
  for (;;) {
    ssize_t n = ::read(fd_.get(), &info, sizeof info);
    if (n == static_cast<ssize_t>(sizeof info)) return static_cast<int>(info.ssi_signo);
    if (n < 0 && errno == EINTR) continue;
    return 0;
  }
}

sigset_t SignalsToResetInChild() {
  sigset_t set = TerminationSet();
  sigaddset(&set, SIGPIPE);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGQUIT);
  return set;
}

}  // namespace coreflow
