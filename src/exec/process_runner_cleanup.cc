// ProcessRunner's cleanup: an attempt is closed (its leftovers and escaped orphans ended)
// before its exit is reported, and whatever is left ends with the run.
#include "exec/process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "exec/process_runner_tokens.h"
#include "sys/clock.h"
#include "sys/fault.h"
#include "sys/process.h"
#include "sys/process_tag.h"
#include "sys/random_id.h"

namespace coreflow {

using namespace process_runner;  // NOLINT: the runner's own private constants

int ProcessRunner::Sweep(ProcessHandle handle) {
  Proc& p = procs_.at(handle);
  int watched = 0;
  // The rest of its process group. The leader is reaped, but its id stays reserved as a
  // group id while any member lives, so this reaches no stranger; ESRCH: nothing is left.
  if (::kill(-p.pid, SIGKILL) == 0) {
    for (pid_t pid : ListProcessGroup(p.pid)) watched += Track(handle, pid, /*kill=*/false);
  }
  // Orphans that came back to us and name it (or no process still running) in their tag:
  // what escaped the group (setsid), and the children of what was just killed.
  if (!children_.Read(&child_pids_)) child_pids_ = ListChildren();
  for (pid_t pid : child_pids_) {
    if (by_pid_.count(pid) != 0 || leftover_pids_.count(pid) != 0 || pid == guard_.pid() ||
        opaque_.count(pid) != 0) {
      continue;
    }
    RunTag tag;
    TagRead read = ReadRunTagOf(pid, &tag);
    if (read == TagRead::kEmpty) {
      if (p.rechecks < kMaxRechecks && !p.recheck_pending) {
        // In execve, perhaps: its environment shows in a moment. Look again then.
        ++p.rechecks;
        p.recheck_pending = true;
        recheck_.ArmAt(MonotonicNow() + kRecheckDelay * p.rechecks);
        ++watched;
      } else if (p.rechecks >= kMaxRechecks) {
        opaque_.insert(pid);  // started without an environment: later tasks skip it at once
      }
      continue;
    }
    if (read != TagRead::kTagged || tag.run_id != run_id_) continue;  // untagged: EndStragglers
    if (ProcessHandle(tag.process) != handle && IsRunning(ProcessHandle(tag.process)))
      continue;  // another task's
    watched += Track(handle, pid, /*kill=*/true);
  }
  return watched;
}

void ProcessRunner::OnRecheck(std::vector<RunnerEvent>* events) {
  std::vector<ProcessHandle> due;
  for (auto& [handle, p] : procs_) {
    if (p.closing && p.recheck_pending) due.push_back(handle);
  }
  for (ProcessHandle handle : due) {
    Proc& p = procs_.at(handle);
    p.recheck_pending = false;
    if (--p.leftovers > 0) continue;  // the last of its leftovers to die sweeps again
    p.leftovers = Sweep(handle);
    if (p.leftovers == 0) Finish(handle, events);
  }
}

int ProcessRunner::Track(ProcessHandle handle, pid_t pid, bool kill) {
  if (leftover_pids_.count(pid) != 0) return 0;
  UniqueFd fd(PidfdOpen(pid));
  if (!fd.valid()) return 0;  // gone already
  if (kill) {
    // The pid may have been reused since its tag was read: read it again through the pidfd's
    // process, and signal that process, not the number.
    RunTag tag;
    if (!ReadRunTag(pid, &tag) || tag.run_id != run_id_) return 0;
    if (PidfdSignal(fd.get(), SIGKILL) != 0) return 0;
  }
  LeftoverId id = next_leftover_;
  next_leftover_ = LeftoverId(id.value() + 1);
  if (poller_.Add(fd.get(), EPOLLIN, Token(kLeftover, id)) != 0) {
    // Cannot watch it (out of memory): wait for it here instead; it has been sent SIGKILL.
    WaitReadable(fd.get());
    return 0;
  }
  leftover_pids_[pid] = id;
  leftovers_.emplace(id, Leftover{handle, pid, std::move(fd)});
  return 1;
}

void ProcessRunner::OnLeftoverGone(LeftoverId id, std::vector<RunnerEvent>* events) {
  auto it = leftovers_.find(id);
  if (it == leftovers_.end()) return;
  ProcessHandle handle = it->second.owner;
  leftover_pids_.erase(it->second.pid);
  leftovers_.erase(it);        // closes the pidfd, which leaves the epoll set
  ReapExitedChildren(events);  // it may have been our child (an orphan)
  auto p = procs_.find(handle);
  if (p == procs_.end() || !p->second.closing) return;
  // When the last one is gone, look again: its death may have orphaned others.
  if (--p->second.leftovers > 0) return;
  p->second.leftovers = Sweep(handle);
  if (p->second.leftovers == 0) Finish(handle, events);
}

void ProcessRunner::EndStragglers(Nanos grace) {
  auto stragglers = [this] {
    std::vector<pid_t> out;
    for (pid_t pid : ListChildren()) {
      // Tasks are the engine's to end; the guard goes when we do.
      if (by_pid_.count(pid) == 0 && pid != guard_.pid()) out.push_back(pid);
    }
    return out;
  };
  std::vector<pid_t> first = stragglers();
  if (first.empty()) return;
  std::vector<UniqueFd> waits;
  for (pid_t pid : first) {
    UniqueFd fd(PidfdOpen(pid));
    ::kill(pid, SIGTERM);
    if (fd.valid()) waits.push_back(std::move(fd));
  }
  // Wait out the grace period for them, but a Ctrl-C (or SIGTERM) meanwhile ends it at once.
  Nanos deadline = MonotonicNow() + grace;
  std::vector<pollfd> fds;
  while (!waits.empty()) {
    Nanos left = deadline - MonotonicNow();
    if (left <= 0) break;
    fds.clear();
    for (const UniqueFd& w : waits) fds.push_back({w.get(), POLLIN, 0});
    fds.push_back({signals_.fd(), POLLIN, 0});
    int n = ::poll(fds.data(), fds.size(), static_cast<int>(left / kNanosPerMilli) + 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (fds.back().revents != 0 && signals_.ReadSignal() != 0) break;  // again: no more grace
    for (size_t i = waits.size(); i-- > 0;) {
      if (fds[i].revents != 0) waits.erase(waits.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  // Killing a straggler may orphan its own children to us in turn: repeat until none is left.
  for (int round = 0; round < 100; ++round) {
    std::vector<pid_t> left = stragglers();
    if (left.empty()) break;
    for (pid_t pid : left) {
      ::kill(pid, SIGKILL);
      int status;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
}

ProcessRunner::~ProcessRunner() { KillAll(); }

bool ProcessRunner::Init(std::string* err) {
  auto fail = [&](std::string_view what, int e) {
    *err = fmt::format("cannot set up the process runner: {}: {}", what, ErrnoText(e));
    return false;
  };
  // First: with 0, 1 or 2 closed, the next descriptor opened (an epoll, a pipe) would land
  // there and be clobbered by the child's dup2s, or be written as output.
  if (int e = EnsureStandardFdsOpen()) return fail("/dev/null", e);
  if (int e = poller_.Init()) return fail("epoll_create1", e);
  if (int e = timer_.Init()) return fail("timerfd_create", e);
  if (int e = signals_.Install()) return fail("signalfd", e);
  if (int e = tick_.Init()) return fail("timerfd_create", e);
  if (int e = recheck_.Init()) return fail("timerfd_create", e);
  if (int e = poller_.Add(recheck_.fd(), EPOLLIN, Token(kRecheck))) return fail("epoll_ctl", e);
  if (int e = poller_.Add(timer_.fd(), EPOLLIN, Token(kTimer))) return fail("epoll_ctl", e);
  if (int e = poller_.Add(tick_.fd(), EPOLLIN, Token(kTick))) return fail("epoll_ctl", e);
  if (int e = poller_.Add(signals_.fd(), EPOLLIN, Token(kSignals))) return fail("epoll_ctl", e);
  dev_null_.Reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!dev_null_.valid()) return fail("/dev/null", errno);
  BecomeChildSubreaper();  // best effort: without it orphans go to init instead
  children_.Open();        // best effort: ListChildren() otherwise
  // Each running task holds five descriptors; lift the soft limit to the hard one (tasks get
  // the original back, for programs that still use select()).
  raised_nofile_ = RaiseFileLimit(&original_nofile_);
  // After signals_.Install(), so the spawner sees what is blocked and ignored here.
  if (int e = spawner_.Init()) return fail("child stack", e);
  if (!guard_exe_.empty()) {
    if (int e = guard_.Start(&spawner_, guard_exe_, run_id_, dev_null_.get())) {
      return fail("the crash guard '" + guard_exe_ + "' (the coreflow program)", e);
    }
  }
  read_buffer_.resize(64 * 1024);
  return true;
}

}  // namespace coreflow
