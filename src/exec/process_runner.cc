#include "exec/process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "exec/process_runner_tokens.h"
#include "sys/clock.h"
#include "sys/fault.h"
#include "sys/process.h"
#include "sys/process_tag.h"
#include "sys/random_id.h"

namespace coreflow {

using namespace process_runner;  // NOLINT: the runner's own private constants

bool IsTransientSpawnError(int err) {
  return err == EAGAIN || err == EMFILE || err == ENFILE || err == ENOMEM || err == EINTR;
}

ProcessRunner::ProcessRunner(std::string run_id)
    : run_id_(run_id.empty() ? RandomHex(8) : std::move(run_id)) {}

int ProcessRunner::Start(uint64_t handle, const LaunchSpec& spec) {
  return Start(ProcessHandle(handle), spec);
}

int ProcessRunner::Start(ProcessHandle handle, const LaunchSpec& spec) {
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
  tag_ = RunTagEntry(run_id_, handle.value());
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

void ProcessRunner::Signal(uint64_t handle, int signal) { Signal(ProcessHandle(handle), signal); }

void ProcessRunner::Signal(ProcessHandle handle, int signal) {
  auto it = procs_.find(handle);
  if (it == procs_.end() || it->second.closing) return;  // closing: being killed already
  it->second.signalled = true;
  // The leader is not reaped until we handle its exit, so its group id cannot be reused.
  ::kill(-it->second.pid, signal);
}

int ProcessRunner::ProcessGroup(uint64_t handle) const {
  return ProcessGroup(ProcessHandle(handle));
}

int ProcessRunner::ProcessGroup(ProcessHandle handle) const {
  auto it = procs_.find(handle);
  return it == procs_.end() || it->second.closing ? 0 : it->second.pid;
}

int ProcessRunner::OrphanGroup(int pid) const {
  RunTag tag;
  if (!ReadRunTag(pid, &tag) || tag.run_id != run_id_) return 0;
  return ProcessGroup(ProcessHandle(tag.process));
}

bool ProcessRunner::IsRunning(ProcessHandle handle) const {
  auto it = procs_.find(handle);
  return it != procs_.end() && !it->second.closing;
}

bool ProcessRunner::HasExited(ProcessHandle handle) const {
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
    auto handle = TokenPayload<ProcessHandle>(token);  // for the kinds that carry one
    switch (KindOf(token)) {
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
        ev.handle = handle.value();
        events->push_back(std::move(ev));
        break;
      }
      case kWritableWatched: {
        RunnerEvent ev;
        ev.kind = RunnerEvent::Kind::kWritable;
        ev.handle = handle.value();
        events->push_back(std::move(ev));
        break;
      }
      case kLeftover:
        OnLeftoverGone(TokenPayload<LeftoverId>(token), events);
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

bool ProcessRunner::Drain(ProcessHandle handle, Proc& p, int stream, bool until_empty,
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
      ev.handle = handle.value();
      ev.stream = stream;
      ev.data.assign(data);
      events->push_back(std::move(ev));
    }
  }
  return true;
}

int ProcessRunner::WatchReadable(int fd, ProcessHandle owner) {
  return poller_.Add(fd, EPOLLIN, Token(kWatched, owner));
}

int ProcessRunner::WatchWritable(int fd, ProcessHandle owner) {
  return poller_.Add(fd, EPOLLOUT, Token(kWritableWatched, owner));
}

void ProcessRunner::Unwatch(int fd) { poller_.Remove(fd); }

std::unique_ptr<CapturedOutput> ProcessRunner::CutOutput(ProcessHandle handle,
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

bool ProcessRunner::Usage(ProcessHandle handle, ProcessUsage* out) const {
  auto it = procs_.find(handle);
  return it != procs_.end() && !it->second.closing && ReadTreeUsage(it->second.pid, out);
}

void ProcessRunner::OnReadable(ProcessHandle handle, int stream, std::vector<RunnerEvent>* events) {
  auto it = procs_.find(handle);
  if (it == procs_.end()) return;  // a stale event: the task was already handled
  Proc& p = it->second;
  UniqueFd& fd = stream == 1 ? p.out : p.err;
  if (!fd.valid()) return;
  if (!Drain(handle, p, stream, false, events)) fd.Reset();  // closing also leaves the epoll set
}

void ProcessRunner::OnExit(ProcessHandle handle, std::vector<RunnerEvent>* events) {
  auto it = procs_.find(handle);
  if (it == procs_.end() || it->second.closing) return;
  Proc& p = it->second;
  RunnerEvent ev;
  ev.kind = RunnerEvent::Kind::kExited;
  ev.handle = handle.value();
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

void ProcessRunner::Finish(ProcessHandle handle, std::vector<RunnerEvent>* events) {
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
