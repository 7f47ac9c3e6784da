#include "exec/worker_runner.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "base/plural.h"
namespace coreflow {
namespace {

constexpr uint64_t kFirstWorkerHandle = uint64_t{1} << 40;  // above any task number

std::string HowItEnded(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    return fmt::format("was killed by signal {} ({})", WTERMSIG(wait_status),
                       strsignal(WTERMSIG(wait_status)));
  }
  return fmt::format("exited with status {}", WEXITSTATUS(wait_status));
}

// The last lines a worker wrote on stderr, to say why it would not start.
std::string StderrTail(const CapturedOutput* output) {
  if (output == nullptr) return "";
  std::string err = output->err.ToString();
  while (!err.empty() && err.back() == '\n') err.pop_back();
  size_t from = err.size();
  for (int lines = 0; lines < 5 && from != std::string::npos && from > 0; ++lines) {
    from = err.rfind('\n', from - 1);
  }
  from = from == std::string::npos ? 0 : from + 1;
  return err.empty() ? "" : "; its last words on stderr:\n" + err.substr(from);
}

void SetCpu(rusage* out, int64_t user_ns, int64_t sys_ns) {
  user_ns = std::max<int64_t>(user_ns, 0);
  sys_ns = std::max<int64_t>(sys_ns, 0);
  out->ru_utime.tv_sec = user_ns / 1'000'000'000;
  out->ru_utime.tv_usec = (user_ns % 1'000'000'000) / 1000;
  out->ru_stime.tv_sec = sys_ns / 1'000'000'000;
  out->ru_stime.tv_usec = (sys_ns % 1'000'000'000) / 1000;
}

int64_t Ns(const timeval& tv) {
  return static_cast<int64_t>(tv.tv_sec) * 1'000'000'000 + static_cast<int64_t>(tv.tv_usec) * 1000;
}

}  // namespace

WorkerRunner::WorkerRunner(ProcessRunner* processes, WorkerOptions options)
    : processes_(processes),
      options_(std::move(options)),
      next_handle_(kFirstWorkerHandle),
      read_buffer_(64 * 1024, '\0') {}

WorkerRunner::~WorkerRunner() = default;  // the ProcessRunner kills what is left

WorkerRunner::Worker* WorkerRunner::ForTask(uint64_t task) {
  auto it = by_task_.find(task);
  if (it == by_task_.end()) return nullptr;
  auto w = workers_.find(it->second);
  return w == workers_.end() ? nullptr : &w->second;
}

const WorkerRunner::Worker* WorkerRunner::ForTask(uint64_t task) const {
  return const_cast<WorkerRunner*>(this)->ForTask(task);
}

int WorkerRunner::Start(uint64_t handle, const LaunchSpec& spec) {
  std::vector<std::string> env;
  for (char* const* e = spec.envp; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
  return Place(handle, spec, env,
               spec.worker_request != nullptr ? *spec.worker_request : std::string());
}

int WorkerRunner::Place(uint64_t handle, const LaunchSpec& spec,
                        const std::vector<std::string>& env, std::string request) {
  Worker* w = nullptr;
  if (auto it = by_slot_.find(spec.slot); it != by_slot_.end()) w = &workers_.at(it->second);
  if (w != nullptr && w->state == State::kIdle && !Fits(*w, spec)) {
    Retire(*w);  // the run was reshaped: this slot gets a worker of the new shape
    w = nullptr;
  }
  bool fresh = w == nullptr;
  if (fresh) {
    uint64_t h = next_handle_++;
    w = &workers_[h];
    w->handle = h;
    w->slot = spec.slot;
    w->spec = spec;
    w->spec.command = nullptr;
    w->spec.envp = nullptr;
    w->spec.worker_request = nullptr;
    w->spec.cpus = nullptr;
    if (spec.cpus != nullptr) w->cpus = *spec.cpus;
    w->threads = spec.threads;
    w->base_env = env;
    w->env = env;
    w->env.push_back("COREFLOW_RESULT_FD=3");
    w->env.push_back("COREFLOW_WORKER=1");
    w->env.push_back(fmt::format("COREFLOW_SLOT={}", spec.slot));
    for (std::string& e : w->env) w->envp.push_back(e.data());
    w->envp.push_back(nullptr);
    Nanos now = Now();
    auto b = backoff_.find(spec.slot);
    w->not_before = b != backoff_.end() ? now + b->second : now;
  }
  w->task = handle;
  w->request = std::move(request);
  by_task_[handle] = w->handle;
  if (fresh && w->not_before <= Now()) {
    if (int e = Spawn(*w)) {
      by_task_.erase(handle);
      workers_.erase(w->handle);
      return e;
    }
  } else if (fresh) {
    by_slot_[w->slot] = w->handle;  // started when the back-off is over
  } else if (w->state == State::kIdle) {
    Send(*w, &pending_);
  }
  Rearm();
  return 0;
}

bool WorkerRunner::Fits(const Worker& w, const LaunchSpec& spec) {
  if (w.threads != spec.threads) return false;
  return spec.cpus == nullptr ? !w.cpus : w.cpus && *w.cpus == *spec.cpus;
}

void WorkerRunner::SetSlots(int slots) {
  std::vector<Worker*> unused;  // idle workers of slots the run no longer has
  for (auto& [slot, handle] : by_slot_) {
    Worker& w = workers_.at(handle);
    if (slot > slots && w.state == State::kIdle) unused.push_back(&w);
  }
  for (Worker* w : unused) Retire(*w);
  if (!unused.empty()) Rearm();  // a retiring worker is killed if it does not exit in time
}

int WorkerRunner::Spawn(Worker& w) {
  UniqueFd child_stdin, child_result;
  if (int e = MakePipe(&child_stdin, &w.to_worker, /*nonblocking_read=*/false)) return e;
  if (int e = MakePipe(&w.answers, &child_result, /*nonblocking_read=*/true)) return e;
  // Requests are only written to an idle worker, which reads them; never block on one that
  // does not.
  if (int e = SetNonBlocking(w.to_worker.get())) return e;
  Command command{options_.argv};
  LaunchSpec spec = w.spec;
  spec.command = &command;
  spec.envp = w.envp.data();
  spec.cpus = w.cpus ? &*w.cpus : nullptr;
  spec.stdin_fd = child_stdin.get();
  spec.result_fd = child_result.get();
  if (int e = processes_->Start(w.handle, spec)) return e;
  if (int e = processes_->WatchReadable(w.answers.get(), w.handle)) {
    processes_->Signal(w.handle, SIGKILL);  // its exit comes as an event and fails the task
    w.trouble = fmt::format("cannot watch its answers: {}", ErrnoText(e));
  }
  w.state = State::kStarting;
  w.spawned = Now();
  by_slot_[w.slot] = w.handle;
  return 0;  // our copies of the child's ends close here, so its exit shows as end of file
}

void WorkerRunner::Send(Worker& w, std::vector<RunnerEvent>* events) {
  w.state = State::kBusy;
  w.began = Now();
  w.at_begin = ProcessUsage{};
  processes_->Usage(w.handle, &w.at_begin);
  RunnerEvent began;
  began.kind = RunnerEvent::Kind::kBegan;
  began.handle = w.task;
  began.at = w.began;
  events->push_back(std::move(began));
  // Whatever it wrote on its result descriptor until now came before this request: it cannot
  // be this task's answer, however well it guessed the id.
  if (w.answers.valid() && !ReadAnswers(w) && w.answers_closed) return;  // being stopped
  if (w.reader.HoldsText()) {
    Kill(w, "protocol error: it wrote an answer before it was sent a request");
    return;
  }
  w.request_sent = 0;
  SendMore(w);
}

void WorkerRunner::SendMore(Worker& w) {
  while (w.request_sent < w.request.size()) {
    ssize_t n = WriteSome(w.to_worker.get(), w.request.data() + w.request_sent,
                          w.request.size() - w.request_sent);
    if (n < 0 && errno == EAGAIN) {
      // A request larger than the pipe: the rest goes as the worker reads.
      if (!w.sending) {
        if (int e = processes_->WatchWritable(w.to_worker.get(), w.handle)) {
          Kill(w, fmt::format("cannot wait to send it the request: {}", ErrnoText(e)));
          return;
        }
        w.sending = true;
      }
      return;
    }
    if (n < 0) {
      Kill(w, fmt::format("protocol error: cannot send it the request: {}", ErrnoText(errno)));
      return;
    }
    w.request_sent += static_cast<size_t>(n);
  }
  if (w.sending) {
    processes_->Unwatch(w.to_worker.get());
    w.sending = false;
  }
  w.request.clear();
  w.request_sent = 0;
}

void WorkerRunner::Kill(Worker& w, const std::string& trouble) {
  if (w.trouble.empty()) w.trouble = trouble;
  processes_->Signal(w.handle, SIGKILL);  // its exit event does the rest
}

void WorkerRunner::Retire(Worker& w) {
  w.state = State::kRetiring;
  w.to_worker.Reset();  // end of file: it should exit by itself
  w.kill_at = Now() + options_.term_grace;
  if (auto it = by_slot_.find(w.slot); it != by_slot_.end() && it->second == w.handle) {
    by_slot_.erase(it);
  }
}

bool WorkerRunner::Wait(std::vector<RunnerEvent>* events, std::string* err) {
  if (!fatal_.empty()) {
    *err = fatal_;
    return false;
  }
  if (!pending_.empty()) {
    for (RunnerEvent& ev : pending_) events->push_back(std::move(ev));
    pending_.clear();
    return true;
  }
  std::vector<RunnerEvent> raw;
  if (!processes_->Wait(&raw, err)) return false;
  Nanos now = Now();
  for (RunnerEvent& ev : raw) {
    auto w = workers_.find(ev.handle);
    bool ours = ev.handle >= kFirstWorkerHandle && w != workers_.end();
    switch (ev.kind) {
      case RunnerEvent::Kind::kExited:
        if (ours) OnExit(ev, events);
        break;
      case RunnerEvent::Kind::kOutput:  // --line-buffer: the worker's lines are its task's
        if (ours && w->second.task != 0 && w->second.state == State::kBusy) {
          ev.handle = w->second.task;
          events->push_back(std::move(ev));
        }
        break;
      case RunnerEvent::Kind::kReadable:
        if (ours) OnAnswers(w->second, events);
        break;
      case RunnerEvent::Kind::kWritable:
        if (ours && w->second.sending) SendMore(w->second);
        break;
      case RunnerEvent::Kind::kTimer:
        OnTimer(now, events);
        if (engine_timer_ != 0 && now >= engine_timer_) {
          engine_timer_ = 0;
          events->push_back(std::move(ev));
        }
        armed_ = 0;
        break;
      default:
        events->push_back(std::move(ev));
    }
  }
  Rearm();
  if (!fatal_.empty()) {
    *err = fatal_;
    return false;
  }
  return true;
}

void WorkerRunner::Complete(Worker& w, const WorkerMessage& m, std::vector<RunnerEvent>* events) {
  RunnerEvent done;
  done.kind = RunnerEvent::Kind::kExited;
  done.handle = w.task;
  done.wait_status = m.status << 8;  // as if it exited with that status
  done.at = Now();
  done.began = w.began;
  std::vector<RunnerEvent> lines;
  done.output = processes_->CutOutput(w.handle, &lines);
  for (RunnerEvent& line : lines) {
    line.handle = w.task;
    events->push_back(std::move(line));
  }
  ProcessUsage now;
  if (processes_->Usage(w.handle, &now)) {
    SetCpu(&done.usage, now.user_ns - w.at_begin.user_ns, now.sys_ns - w.at_begin.sys_ns);
    done.usage.ru_maxrss = static_cast<long>(now.rss_bytes / 1024);
  }
  if (m.status != 0 && !m.message.empty()) {
    done.note = fmt::format("coreflow: task {}: {}\n", w.task, m.message);
  }
  by_task_.erase(w.task);
  w.task = 0;
  w.state = State::kIdle;
  ++w.tasks_done;
  backoff_.erase(w.slot);
  events->push_back(std::move(done));
  bool worn = options_.max_tasks > 0 && w.tasks_done >= options_.max_tasks;
  bool big = options_.max_rss > 0 && now.rss_bytes > options_.max_rss;
  if (worn || big) Retire(w);
}

void WorkerRunner::OnExit(RunnerEvent& ev, std::vector<RunnerEvent>* events) {
  auto it = workers_.find(ev.handle);
  Worker w = std::move(it->second);
  workers_.erase(it);
  if (auto s = by_slot_.find(w.slot); s != by_slot_.end() && s->second == w.handle) {
    by_slot_.erase(s);
  }
  if (w.answers.valid()) processes_->Unwatch(w.answers.get());
  if (w.sending) processes_->Unwatch(w.to_worker.get());
  // Killed by us because it closed its result descriptor, not ended by itself.
  if (w.trouble.empty() && w.answers_closed && WIFSIGNALED(ev.wait_status) &&
      WTERMSIG(ev.wait_status) == SIGKILL) {
    w.trouble = "protocol error: it closed its result descriptor (3), so it can answer no more";
  }
  bool crashed = !w.signalled && w.state != State::kRetiring;
  if (crashed) {  // the next worker on this slot waits a little longer each time
    Nanos& b = backoff_[w.slot];
    b = b == 0 ? kMinBackoff : std::min(b * 2, kMaxBackoff);
  }
  std::string how = w.trouble.empty() ? HowItEnded(ev.wait_status) : "was stopped: " + w.trouble;
  if (w.state == State::kStarting && w.signalled) {  // stopped by the run, not a failed start
    if (w.task != 0) FailTask(w.task, ev.wait_status, "", events);
    return;
  }
  if (w.state == State::kStarting) {
    if (!fatal_.empty()) return;  // the run is over already
    ++failed_starts_;
    std::string why = fmt::format("the worker '{}' {} before it was ready{}", options_.display, how,
                                  StderrTail(ev.output.get()));
    if (failed_starts_ >= options_.max_failed_starts) {
      fatal_ = fmt::format("{} (it failed to start {} in a row; check the --worker command)", why,
                           Plural(failed_starts_, "time"));
      return;
    }
    if (w.task != 0) {  // the task waits for the next worker on this slot
      by_task_.erase(w.task);
      LaunchSpec again = w.spec;  // Place copies the mask before w goes
      again.cpus = w.cpus ? &*w.cpus : nullptr;
      if (Place(w.task, again, w.base_env, std::move(w.request)) != 0) {
        FailTask(w.task, 255 << 8, "coreflow: " + why + "\n", events);
      }
    }
    return;
  }
  if (w.state != State::kBusy) return;  // idle or retiring: nothing was lost
  RunnerEvent failed = std::move(ev);
  failed.handle = w.task;
  failed.began = w.began;
  SetCpu(&failed.usage, Ns(failed.usage.ru_utime) - w.at_begin.user_ns,
         Ns(failed.usage.ru_stime) - w.at_begin.sys_ns);
  if (!w.signalled || !w.trouble.empty()) {
    failed.note = fmt::format("coreflow: task {}: the worker (slot {}) {}; a new one is started\n",
                              w.task, w.slot, how);
  }
  if (!w.trouble.empty()) failed.wait_status = 255 << 8;  // a protocol error is a failure
  by_task_.erase(w.task);
  events->push_back(std::move(failed));
}

void WorkerRunner::FailTask(uint64_t task, int wait_status, const std::string& note,
                            std::vector<RunnerEvent>* events) {
  RunnerEvent ev;
  ev.kind = RunnerEvent::Kind::kExited;
  ev.handle = task;
  ev.wait_status = wait_status;
  ev.at = Now();
  ev.note = note;
  by_task_.erase(task);
  events->push_back(std::move(ev));
}

void WorkerRunner::OnTimer(Nanos now, std::vector<RunnerEvent>* events) {
  std::vector<uint64_t> handles;
  for (auto& [h, w] : workers_) handles.push_back(h);
  for (uint64_t h : handles) {
    auto it = workers_.find(h);
    if (it == workers_.end()) continue;
    Worker& w = it->second;
    if (w.state == State::kDelayed && now >= w.not_before) {
      if (int e = Spawn(w)) {
        uint64_t task = w.task;
        by_slot_.erase(w.slot);
        workers_.erase(it);
        FailTask(task, (e == ENOENT ? 127 : 126) << 8,
                 fmt::format("coreflow: cannot start the worker '{}': {}\n", options_.display,
                             ErrnoText(e)),
                 events);
      }
    } else if (w.state == State::kStarting && now >= w.spawned + options_.start_timeout) {
      Kill(w, fmt::format("not ready after {:g} s (--worker-start-timeout)",
                          ToSeconds(options_.start_timeout)));
    } else if (w.state == State::kRetiring && w.kill_at != 0 && now >= w.kill_at) {
      processes_->Signal(w.handle, w.terminated ? SIGKILL : SIGTERM);
      w.kill_at = w.terminated ? 0 : now + options_.term_grace;
      w.terminated = true;
    }
  }
}

void WorkerRunner::Rearm() {
  Nanos next = engine_timer_;
  auto consider = [&](Nanos t) {
    if (t > 0 && (next == 0 || t < next)) next = t;
  };
  for (const auto& [h, w] : workers_) {
    if (w.state == State::kDelayed) consider(w.not_before);
    if (w.state == State::kStarting) consider(w.spawned + options_.start_timeout);
    if (w.state == State::kRetiring) consider(w.kill_at);
  }
  if (next != armed_) {
    armed_ = next;
    processes_->ArmTimer(next);
  }
}

int WorkerRunner::ProcessGroup(uint64_t handle) const {
  const Worker* w = ForTask(handle);
  return w == nullptr ? 0 : processes_->ProcessGroup(w->handle);
}

void WorkerRunner::Signal(uint64_t handle, int signal) {
  Worker* w = ForTask(handle);
  if (w == nullptr) return;
  if (w->state == State::kDelayed) {  // no process yet: the task ends here
    uint64_t task = w->task;
    by_slot_.erase(w->slot);
    workers_.erase(w->handle);
    FailTask(task, signal, "", &pending_);
    return;
  }
  w->signalled = true;
  processes_->Signal(w->handle, signal);  // the whole worker goes; a new one takes the slot
}

void WorkerRunner::ArmTimer(Nanos at) {
  engine_timer_ = at;
  Rearm();
}

void WorkerRunner::EndStragglers(Nanos grace) {
  for (auto& [h, w] : workers_) {
    w.to_worker.Reset();  // end of file, then SIGTERM; the ProcessRunner kills what is left
    processes_->Signal(h, SIGTERM);
  }
  processes_->EndStragglers(grace);
}

}  // namespace coreflow
