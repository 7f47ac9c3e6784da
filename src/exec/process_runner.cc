#include "exec/process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "sys/clock.h"
#include "sys/fault.h"
#include "sys/process.h"
#include "sys/process_tag.h"
#include "sys/random_id.h"

namespace coreflow {
namespace {

// Epoll tokens: what kind of descriptor in the top byte, the task handle below it.
enum TokenKind : uint64_t {
  kPidfd = 1,
  kStdout = 2,
  kStderr = 3,
  kSignals = 4,
  kTimer = 5,
  kInput = 6,
  kTick = 7,
  kWatched = 8,
  kWritableWatched = 9,
  kLeftover = 10,
  kRecheck = 11,
};

// How often, and how long apart, a closing process looks again for orphans that showed no
// environment: the time an execve takes, several times over.
constexpr int kMaxRechecks = 3;
constexpr Nanos kRecheckDelay = 5 * kNanosPerMilli;
constexpr int kKindShift = 56;
constexpr uint64_t kHandleMask = (uint64_t{1} << kKindShift) - 1;

uint64_t Token(TokenKind kind, uint64_t handle = 0) {
  return (static_cast<uint64_t>(kind) << kKindShift) | (handle & kHandleMask);
}

}  // namespace

bool IsTransientSpawnError(int err) {
  return err == EAGAIN || err == EMFILE || err == ENFILE || err == ENOMEM || err == EINTR;
}

ProcessRunner::ProcessRunner(std::string run_id)
    : run_id_(run_id.empty() ? RandomHex(8) : std::move(run_id)) {}

ProcessRunner::~ProcessRunner() { KillAll(); }

bool ProcessRunner::Init(std::string* err) {
  auto fail = [&](const char* what, int e) {
    *err = fmt::format("cannot set up the process runner: {}: {}", what, ErrnoText(e));
    return false;
  };
  if (int e = poller_.Init()) return fail("epoll_create1", e);
  if (int e = timer_.Init()) return fail("timerfd_create", e);
  if (int e = signals_.Install()) return fail("signalfd", e);
  if (int e = tick_.Init()) return fail("timerfd_create", e);
  if (int e = recheck_.Init()) return fail("timerfd_create", e);
  if (int e = poller_.Add(recheck_.fd(), EPOLLIN, Token(kRecheck))) return fail("epoll_ctl", e);
  if (int e = poller_.Add(timer_.fd(), EPOLLIN, Token(kTimer))) return fail("epoll_ctl", e);
  if (int e = poller_.Add(tick_.fd(), EPOLLIN, Token(kTick))) return fail("epoll_ctl", e);
  if (int e = poller_.Add(signals_.fd(), EPOLLIN, Token(kSignals))) return fail("epoll_ctl", e);
  // With 0, 1 or 2 closed, a pipe could land there and be clobbered by the child's dup2s.
  if (int e = EnsureStandardFdsOpen()) return fail("/dev/null", e);
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
      return fail("the crash guard", e);
    }
  }
  read_buffer_.resize(64 * 1024);
  return true;
}

int ProcessRunner::Start(uint64_t handle, const LaunchSpec& spec) {
  if (int e = InjectedFault(FaultSite::kSpawn)) return e;
  Proc p;
  p.mode = spec.output;
  if (spec.output != OutputMode::kUngroup) {
    // Only our read end is non-blocking: the task must see an ordinary blocking pipe.
    if (int e = MakePipe(&p.out, &p.out_writer, /*nonblocking_read=*/true)) return e;
    if (int e = MakePipe(&p.err, &p.err_writer, /*nonblocking_read=*/true)) return e;
  }
  argv_.clear();
  for (const std::string& a : spec.command->argv) argv_.push_back(const_cast<char*>(a.c_str()));
  argv_.push_back(nullptr);
  // The tag goes to everything the process starts: what it leaves behind can be found.
  tag_ = RunTagEntry(run_id_, handle);
  envp_.clear();
  envp_.push_back(tag_.data());
  for (char* const* e = spec.envp; e != nullptr && *e != nullptr; ++e) {
    // One tag only: a coreflow run by a task of another has that one's tag.
    if ((*e)[0] == 'C' && std::strncmp(*e, kRunTagName.data(), kRunTagName.size()) == 0 &&
        (*e)[kRunTagName.size()] == '=') {
      continue;
    }
    envp_.push_back(*e);
  }
  envp_.push_back(nullptr);
  SpawnRequest request;
  request.file = argv_[0];
  request.argv = argv_.data();
  request.envp = envp_.data();
  request.stdin_fd = spec.stdin_fd >= 0 ? spec.stdin_fd : dev_null_.get();
  request.extra_fd = spec.result_fd;
  request.extra_target = spec.result_fd >= 0 ? 3 : -1;
  request.stdout_fd = p.out_writer.get();
  request.stderr_fd = p.err_writer.get();
  request.nofile = raised_nofile_ ? &original_nofile_ : nullptr;
  request.cgroup_procs_fd = spec.cgroup_procs_fd;
  pid_t pid = 0;
  int pidfd = -1;
  if (spec.cpus != nullptr) {
    // The child inherits this thread's mask: set it around the spawn, then put ours back.
    // Ours never changes otherwise, so it is read once.
    if (!own_cpus_known_) {
      if (int e = GetThreadAffinity(&own_cpus_)) return e;
      own_cpus_known_ = true;
    }
    if (int e = SetThreadAffinity(*spec.cpus)) return e;
  }
  int spawn_error = spawner_.Spawn(request, &pid, &pidfd);
  if (spec.cpus != nullptr) SetThreadAffinity(own_cpus_);
  if (spawn_error != 0) return spawn_error;

  p.pid = pid;
  p.pidfd.Reset(pidfd);
  int add_error = poller_.Add(p.pidfd.get(), EPOLLIN, Token(kPidfd, handle));
  if (add_error == 0 && p.out.valid()) {
    add_error = poller_.Add(p.out.get(), EPOLLIN, Token(kStdout, handle));
    if (add_error == 0) add_error = poller_.Add(p.err.get(), EPOLLIN, Token(kStderr, handle));
  }
  if (add_error != 0) {
    // Cannot watch it: take it back at once and let the scheduler try again later.
    ::kill(-pid, SIGKILL);
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return add_error == ENOSPC ? ENOMEM : add_error;
  }
  if (spec.output == OutputMode::kGroup) {
    p.captured = std::make_unique<CapturedOutput>(&spill_dir_);
  }
  by_pid_[pid] = handle;
  procs_.emplace(handle, std::move(p));
  return 0;
}

void ProcessRunner::Signal(uint64_t handle, int signal) {
  auto it = procs_.find(handle);
  if (it == procs_.end() || it->second.closing) return;  // closing: being killed already
  it->second.signalled = true;
  // The leader is not reaped until we handle its exit, so its group id cannot be reused.
  ::kill(-it->second.pid, signal);
}

int ProcessRunner::ProcessGroup(uint64_t handle) const {
  auto it = procs_.find(handle);
  return it == procs_.end() || it->second.closing ? 0 : it->second.pid;
}

int ProcessRunner::OrphanGroup(int pid) const {
  RunTag tag;
  if (!ReadRunTag(pid, &tag) || tag.run_id != run_id_) return 0;
  return ProcessGroup(tag.process);
}

bool ProcessRunner::IsRunning(uint64_t handle) const {
  auto it = procs_.find(handle);
  return it != procs_.end() && !it->second.closing;
}

bool ProcessRunner::HasExited(uint64_t handle) const {
  auto it = procs_.find(handle);
  return it == procs_.end() || it->second.closing || ReadableNow(it->second.pidfd.get());
}

void ProcessRunner::ArmTimer(Nanos at) { timer_.ArmAt(at); }

void ProcessRunner::ArmTick(Nanos at) { tick_.ArmAt(at); }

void ProcessRunner::WatchInput(int fd) {
  // Re-arm a descriptor watched before (one-shot), else add it. Linked sources that are pipes
  // take turns here, so "before" is not just the last call; and a closed descriptor has left
  // the set, so ENOENT also covers a number that was reused.
  int e = poller_.Modify(fd, EPOLLIN | EPOLLONESHOT, Token(kInput));
  if (e == ENOENT) e = poller_.Add(fd, EPOLLIN | EPOLLONESHOT, Token(kInput));
  if (e == 0) return;
  // epoll refuses regular files (EPERM); their reads never block, so they are ready now.
  RunnerEvent ev;
  ev.kind = RunnerEvent::Kind::kInputReady;
  pending_.push_back(std::move(ev));
}

Nanos ProcessRunner::Now() { return MonotonicNow(); }

bool ProcessRunner::Wait(std::vector<RunnerEvent>* events, std::string* err) {
  if (!pending_.empty()) {
    for (auto& ev : pending_) events->push_back(std::move(ev));
    pending_.clear();
    return true;
  }
  int n = poller_.Wait(&ready_, -1);
  if (n < 0) {
    *err = fmt::format("epoll_wait failed: {}", ErrnoText(-n));
    return false;
  }
  for (int i = 0; i < n; ++i) {
    uint64_t token = ready_[static_cast<size_t>(i)].data.u64;
    uint64_t handle = token & kHandleMask;
    switch (token >> kKindShift) {
      case kPidfd:
        OnExit(handle, events);
        break;
      case kStdout:
        OnReadable(handle, 1, events);
        break;
      case kStderr:
        OnReadable(handle, 2, events);
        break;
      case kSignals:
        while (int sig = signals_.ReadSignal()) {
          RunnerEvent ev;
          ev.kind = RunnerEvent::Kind::kSignal;
          ev.signal = sig;
          events->push_back(std::move(ev));
        }
        break;
      case kTimer: {
        timer_.Acknowledge();
        RunnerEvent ev;
        ev.kind = RunnerEvent::Kind::kTimer;
        events->push_back(std::move(ev));
        break;
      }
      case kTick: {
        tick_.Acknowledge();
        RunnerEvent ev;
        ev.kind = RunnerEvent::Kind::kTick;
        events->push_back(std::move(ev));
        break;
      }
      case kInput: {
        RunnerEvent ev;
        ev.kind = RunnerEvent::Kind::kInputReady;
        events->push_back(std::move(ev));
        break;
      }
      case kWatched: {
        RunnerEvent ev;
        ev.kind = RunnerEvent::Kind::kReadable;
        ev.handle = handle;
        events->push_back(std::move(ev));
        break;
      }
      case kWritableWatched: {
        RunnerEvent ev;
        ev.kind = RunnerEvent::Kind::kWritable;
        ev.handle = handle;
        events->push_back(std::move(ev));
        break;
      }
      case kLeftover:
        OnLeftoverGone(handle, events);
        break;
      case kRecheck:
        recheck_.Acknowledge();
        OnRecheck(events);
        break;
      default:
        break;
    }
  }
  return true;
}

bool ProcessRunner::Drain(uint64_t handle, Proc& p, int stream, bool until_empty,
                          std::vector<RunnerEvent>* events) {
  UniqueFd& fd = stream == 1 ? p.out : p.err;
  // After an exit, what the task wrote fits in the pipe (at most 1 MiB unless it was enlarged by
  // a privileged task); a grandchild that writes on is not chased for ever.
  int reads_left = until_empty ? 64 : 1;
  while (reads_left-- > 0) {
    ssize_t n = ReadSome(fd.get(), read_buffer_.data(), read_buffer_.size());
    if (n <= 0) return n < 0 && errno == EAGAIN;  // EAGAIN: nothing more now, still open
    std::string_view data(read_buffer_.data(), static_cast<size_t>(n));
    if (p.mode == OutputMode::kGroup) {
      OutputBuffer& buf = stream == 1 ? p.captured->out : p.captured->err;
      if (int e = buf.Append(data)) p.captured->spill_error = e;
    } else {
      RunnerEvent ev;
      ev.kind = RunnerEvent::Kind::kOutput;
      ev.handle = handle;
      ev.stream = stream;
      ev.data.assign(data);
      events->push_back(std::move(ev));
    }
  }
  return true;
}

int ProcessRunner::WatchReadable(int fd, uint64_t cookie) {
  return poller_.Add(fd, EPOLLIN, Token(kWatched, cookie));
}

int ProcessRunner::WatchWritable(int fd, uint64_t cookie) {
  return poller_.Add(fd, EPOLLOUT, Token(kWritableWatched, cookie));
}

void ProcessRunner::Unwatch(int fd) { poller_.Remove(fd); }

std::unique_ptr<CapturedOutput> ProcessRunner::CutOutput(uint64_t handle,
                                                         std::vector<RunnerEvent>* events) {
  auto it = procs_.find(handle);
  if (it == procs_.end() || it->second.closing) return nullptr;
  Proc& p = it->second;
  // The worker flushed before it answered: all it wrote for this task is in the pipes now.
  for (int stream = 1; stream <= 2; ++stream) {
    UniqueFd& fd = stream == 1 ? p.out : p.err;
    if (fd.valid() && !Drain(handle, p, stream, true, events)) fd.Reset();
  }
  if (p.mode != OutputMode::kGroup) return nullptr;
  auto cut = std::move(p.captured);
  p.captured = std::make_unique<CapturedOutput>(&spill_dir_);
  return cut;
}

bool ProcessRunner::Usage(uint64_t handle, ProcessUsage* out) const {
  auto it = procs_.find(handle);
  return it != procs_.end() && !it->second.closing && ReadTreeUsage(it->second.pid, out);
}

void ProcessRunner::OnReadable(uint64_t handle, int stream, std::vector<RunnerEvent>* events) {
  auto it = procs_.find(handle);
  if (it == procs_.end()) return;  // a stale event: the task was already handled
  Proc& p = it->second;
  UniqueFd& fd = stream == 1 ? p.out : p.err;
  if (!fd.valid()) return;
  if (!Drain(handle, p, stream, false, events)) fd.Reset();  // closing also leaves the epoll set
}

void ProcessRunner::OnExit(uint64_t handle, std::vector<RunnerEvent>* events) {
  auto it = procs_.find(handle);
  if (it == procs_.end() || it->second.closing) return;
  Proc& p = it->second;
  RunnerEvent ev;
  ev.kind = RunnerEvent::Kind::kExited;
  ev.handle = handle;
  pid_t r;
  do r = ::wait4(p.pid, &ev.wait_status, WNOHANG, &ev.usage);
  while (r < 0 && errno == EINTR);
  if (r == 0) return;  // not exited after all (cannot happen for a pidfd event)
  // Someone else reaped it (a waitpid(-1) elsewhere in the process): the status is lost, and a
  // lost status must not pass for success.
  if (r < 0) ev.wait_status = 255 << 8;
  ev.at = MonotonicNow();
  // What the task wrote before it exited is in the pipes now. A background grandchild that
  // still holds them open is not waited for: it is killed below, with what it would write.
  for (int stream = 1; stream <= 2; ++stream) {
    UniqueFd& fd = stream == 1 ? p.out : p.err;
    if (fd.valid()) Drain(handle, p, stream, true, events);
  }
  ev.output = std::move(p.captured);
  by_pid_.erase(p.pid);
  p.pidfd.Reset();  // closing leaves the epoll set
  p.out.Reset();
  p.err.Reset();
  p.out_writer.Reset();
  p.err_writer.Reset();
  p.exit = std::move(ev);
  p.closing = true;
  p.leftovers = Sweep(handle);
  if (p.leftovers == 0) Finish(handle, events);
  ReapExitedChildren(events);
}

int ProcessRunner::Sweep(uint64_t handle) {
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
    if (tag.process != handle && IsRunning(tag.process)) continue;    // another task's
    watched += Track(handle, pid, /*kill=*/true);
  }
  return watched;
}

void ProcessRunner::OnRecheck(std::vector<RunnerEvent>* events) {
  std::vector<uint64_t> due;
  for (auto& [handle, p] : procs_) {
    if (p.closing && p.recheck_pending) due.push_back(handle);
  }
  for (uint64_t handle : due) {
    Proc& p = procs_.at(handle);
    p.recheck_pending = false;
    if (--p.leftovers > 0) continue;  // the last of its leftovers to die sweeps again
    p.leftovers = Sweep(handle);
    if (p.leftovers == 0) Finish(handle, events);
  }
}

int ProcessRunner::Track(uint64_t handle, pid_t pid, bool kill) {
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
  uint64_t id = next_leftover_++;
  if (poller_.Add(fd.get(), EPOLLIN, Token(kLeftover, id)) != 0) {
    // Cannot watch it (out of memory): wait for it here instead; it has been sent SIGKILL.
    WaitReadable(fd.get());
    return 0;
  }
  leftover_pids_[pid] = id;
  leftovers_.emplace(id, Leftover{handle, pid, std::move(fd)});
  return 1;
}

void ProcessRunner::OnLeftoverGone(uint64_t id, std::vector<RunnerEvent>* events) {
  auto it = leftovers_.find(id);
  if (it == leftovers_.end()) return;
  uint64_t handle = it->second.handle;
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

void ProcessRunner::Finish(uint64_t handle, std::vector<RunnerEvent>* events) {
  auto it = procs_.find(handle);
  events->push_back(std::move(it->second.exit));
  procs_.erase(it);
}

void ProcessRunner::ReapExitedChildren(std::vector<RunnerEvent>* events) {
  // Orphans re-parented to us become zombies; reap them. A task found here is handled now.
  for (;;) {
    siginfo_t info{};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return;
    auto it = by_pid_.find(info.si_pid);
    if (it != by_pid_.end()) {
      OnExit(it->second, events);
      return;  // OnExit continues the sweep
    }
    int status;
    ::waitpid(info.si_pid, &status, WNOHANG);
    opaque_.erase(info.si_pid);
  }
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

void ProcessRunner::KillAll() {
  for (auto& [handle, p] : procs_) {
    if (p.closing) continue;  // its leader is reaped; what it left was sent SIGKILL
    ::kill(-p.pid, SIGKILL);
    int status;
    while (::waitpid(p.pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  procs_.clear();
  by_pid_.clear();
}

}  // namespace coreflow
