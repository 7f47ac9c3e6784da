#include "exec/worker_runner.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

namespace coreflow {
namespace {

namespace life = worker_life;

// Worker processes are numbered above any task number: the number is in each worker's
// COREFLOW_RUN tag, which so never names a task.
constexpr uint64_t kFirstWorkerHandle = uint64_t{1} << 40;

template <typename... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <typename... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

std::string KillTrouble(const worker_life::Kill& kill, const WorkerOptions& options) {
  switch (kill.why) {
    case worker_life::Kill::Why::kSecondReadyLine:
      return "protocol error: a second ready line";
    case worker_life::Kill::Why::kNotReadyInTime:
      break;
  }
  return fmt::format("not ready after {:g} s (--worker-start-timeout)",
                     ToSeconds(options.start_timeout));
}

}  // namespace

WorkerRunner::WorkerRunner(ProcessHost* processes, WorkerOptions options)
    : processes_(processes),
      options_(std::move(options)),
      policy_{options_.start_timeout, options_.term_grace, options_.max_tasks, options_.max_rss},
      next_handle_(kFirstWorkerHandle),
      restarts_(options_.max_failed_starts),
      read_buffer_(64 * 1024, '\0') {}

WorkerRunner::~WorkerRunner() = default;  // the ProcessHost kills what is left

WorkerRunner::Worker* WorkerRunner::ForTask(TaskHandle task) {
  auto it = by_task_.find(task);
  if (it == by_task_.end()) return nullptr;
  auto w = workers_.find(it->second);
  return w == workers_.end() ? nullptr : &w->second;
}

const WorkerRunner::Worker* WorkerRunner::ForTask(TaskHandle task) const {
  return const_cast<WorkerRunner*>(this)->ForTask(task);
}

int WorkerRunner::Start(uint64_t handle, const LaunchSpec& spec) {
  std::vector<std::string> env;
  for (char* const* e = spec.envp; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
  return Place(TaskHandle(handle), spec, env,
               spec.worker_request != nullptr ? *spec.worker_request : std::string());
}

life::Shape WorkerRunner::ShapeOf(const LaunchSpec& spec) {
  life::Shape shape;
  shape.threads = spec.threads;
  if (spec.cpus != nullptr) shape.cpus = *spec.cpus;
  shape.params_generation = spec.params_generation;
  return shape;
}

WorkerRunner::Worker& WorkerRunner::NewWorker(const LaunchSpec& spec,
                                              const std::vector<std::string>& env) {
  ProcessHandle h = next_handle_;
  next_handle_ = ProcessHandle(h.value() + 1);
  Nanos not_before = Now() + restarts_.Backoff(spec.slot);
  Worker& w =
      workers_.try_emplace(h, life::WorkerLife(policy_, ShapeOf(spec), not_before)).first->second;
  w.handle = h;
  w.slot = spec.slot;
  w.spec = spec;
  w.spec.command = nullptr;
  w.spec.envp = nullptr;
  w.spec.worker_request = nullptr;
  w.spec.cpus = nullptr;
  w.base_env = env;
  w.env = env;
  w.env.push_back("COREFLOW_RESULT_FD=3");
  w.env.push_back("COREFLOW_WORKER=1");
  w.env.push_back(fmt::format("COREFLOW_SLOT={}", spec.slot));
  for (std::string& e : w.env) w.envp.push_back(e.data());
  w.envp.push_back(nullptr);
  return w;
}

int WorkerRunner::Place(TaskHandle task, const LaunchSpec& spec,
                        const std::vector<std::string>& env, std::string request) {
  Worker* w = nullptr;
  if (auto it = by_slot_.find(spec.slot); it != by_slot_.end()) w = &workers_.at(it->second);
  if (w != nullptr) {
    Drive(*w, life::TaskOffered{Now(), ShapeOf(spec)}, &pending_);
    if (w->life.Is<life::Retiring>()) w = nullptr;  // replaced by one of the new shape
  }
  bool fresh = w == nullptr;
  if (fresh) w = &NewWorker(spec, env);
  w->task = task;
  w->request = std::move(request);
  by_task_[task] = w->handle;
  if (fresh && w->life.Deadline() <= Now()) {
    if (int e = Spawn(*w)) {
      by_task_.erase(task);
      workers_.erase(w->handle);
      return e;
    }
  } else if (fresh) {
    by_slot_[w->slot] = w->handle;  // started when the back-off is over
  } else if (w->life.Is<life::Ready>()) {
    Send(*w, &pending_);
  }
  Rearm();
  return 0;
}

void WorkerRunner::SetSlots(int slots) {
  std::vector<Worker*> unused;  // idle workers of slots the run no longer has
  for (auto& [slot, handle] : by_slot_) {
    Worker& w = workers_.at(handle);
    if (slot > slots && w.life.Is<life::Ready>()) unused.push_back(&w);
  }
  for (Worker* w : unused) Drive(*w, life::SlotDropped{Now()}, &pending_);
  if (!unused.empty()) Rearm();  // a retiring worker is killed if it does not exit in time
}

WorkerRunner::Verdict WorkerRunner::Drive(Worker& w, const life::Event& event,
                                          std::vector<RunnerEvent>* events) {
  std::vector<life::Action> actions;
  w.life.Handle(event, &actions);
  Verdict v;
  for (const life::Action& action : actions) {
    std::visit(Overloaded{
                   [&](const life::StartProcess&) { v.start = true; },
                   [&](const life::AnnounceReady& a) {
                     restarts_.OnReady();
                     RunnerEvent ready;
                     ready.kind = RunnerEvent::Kind::kWorkerReady;
                     ready.slot = w.slot;
                     ready.startup = a.startup;
                     events->push_back(std::move(ready));
                     v.announced = true;
                   },
                   [&](const life::Kill& k) { Kill(w, KillTrouble(k, options_)); },
                   [&](const life::SendSignal& s) { processes_->Signal(w.handle, s.signal); },
                   [&](const life::CloseStdin&) { Retire(w); },
                   [&](const life::GrowBackoff&) { restarts_.OnCrash(w.slot); },
                   [&](const life::CountFailedStart&) { v.failed_start = true; },
                   [&](const life::FailStoppedTask&) { v.stopped = true; },
                   [&](const life::FailRunningTask&) { v.lost_task = true; },
               },
               action);
  }
  return v;
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
  const std::optional<CpuMask>& cpus = w.life.shape().cpus;
  spec.command = &command;
  spec.envp = w.envp.data();
  spec.cpus = cpus ? &*cpus : nullptr;
  spec.stdin_fd = child_stdin.get();
  spec.result_fd = child_result.get();
  if (int e = processes_->Start(w.handle, spec)) return e;
  if (int e = processes_->WatchReadable(w.answers.get(), w.handle)) {
    processes_->Signal(w.handle, SIGKILL);  // its exit comes as an event and fails the task
    w.trouble = fmt::format("cannot watch its answers: {}", ErrnoText(e));
  }
  std::vector<life::Action> none;  // starting decides nothing
  w.life.Handle(life::Spawned{Now()}, &none);
  by_slot_[w.slot] = w.handle;
  return 0;  // our copies of the child's ends close here, so its exit shows as end of file
}

void WorkerRunner::Send(Worker& w, std::vector<RunnerEvent>* events) {
  Drive(w, life::RequestSent{Now()}, events);
  w.at_begin = ProcessUsage{};
  // Unknown usage: the task's CPU time is counted from what was read, if anything.
  static_cast<void>(processes_->Usage(w.handle, &w.at_begin));
  RunnerEvent began;
  began.kind = RunnerEvent::Kind::kBegan;
  began.handle = w.task.value();
  began.at = w.life.began();
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
  w.to_worker.Reset();  // end of file: it should exit by itself
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
    auto w = workers_.find(ProcessHandle(ev.handle));
    bool ours = ev.handle >= kFirstWorkerHandle && w != workers_.end();
    switch (ev.kind) {
      case RunnerEvent::Kind::kExited:
        if (ours) OnExit(ev, events);
        break;
      case RunnerEvent::Kind::kOutput:  // --line-buffer: the worker's lines are its task's
        if (ours && w->second.has_task() && w->second.life.Is<life::Busy>()) {
          ev.handle = w->second.task.value();
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

void WorkerRunner::OnTimer(Nanos now, std::vector<RunnerEvent>* events) {
  std::vector<ProcessHandle> handles;
  for (auto& [h, w] : workers_) handles.push_back(h);
  for (ProcessHandle h : handles) {
    auto it = workers_.find(h);
    if (it == workers_.end()) continue;
    Worker& w = it->second;
    if (w.answers_closed_at > 0 && !w.answers_closed && now >= w.answers_closed_at + kClosedGrace &&
        !processes_->HasExited(w.handle)) {
      w.answers_closed = true;
      processes_->Signal(w.handle, SIGKILL);  // its exit names the protocol error
    }
    if (!Drive(w, life::TimerFired{now}, events).start) continue;
    if (int e = Spawn(w)) {
      TaskHandle task = w.task;
      by_slot_.erase(w.slot);
      workers_.erase(it);
      FailTask(task, (e == ENOENT ? 127 : 126) << 8,
               fmt::format("coreflow: cannot start the worker '{}': {}\n", options_.display,
                           ErrnoText(e)),
               events);
    }
  }
}

void WorkerRunner::Rearm() {
  Nanos next = engine_timer_;
  for (const auto& [h, w] : workers_) {
    Nanos t = w.life.Deadline();
    if (t > 0 && (next == 0 || t < next)) next = t;
    if (w.answers_closed_at > 0 && !w.answers_closed) {
      t = w.answers_closed_at + kClosedGrace;
      if (next == 0 || t < next) next = t;
    }
  }
  if (next != armed_) {
    armed_ = next;
    processes_->ArmTimer(next);
  }
}

int WorkerRunner::ProcessGroup(uint64_t handle) const {
  const Worker* w = ForTask(TaskHandle(handle));
  return w == nullptr ? 0 : processes_->ProcessGroup(w->handle);
}

void WorkerRunner::Signal(uint64_t handle, int signal) {
  Worker* w = ForTask(TaskHandle(handle));
  if (w == nullptr) return;
  if (w->life.Is<life::Delayed>()) {  // no process yet: the task ends here
    TaskHandle task = w->task;
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
    w.to_worker.Reset();  // end of file, then SIGTERM; the ProcessHost kills what is left
    processes_->Signal(h, SIGTERM);
  }
  processes_->EndStragglers(grace);
}

}  // namespace coreflow
