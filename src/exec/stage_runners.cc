#include "exec/stage_runners.h"

#include <utility>

namespace coreflow {

// One worker stage's window on the shared host: handles offset into the stage's range, the
// timer it wants kept apart, and the events of its processes queued until its runner asks.
class StageRunners::View : public ProcessHost {
 public:
  View(ProcessHost* host, uint64_t offset) : host_(host), offset_(offset) {}

  int Start(ProcessHandle p, const LaunchSpec& spec) override { return host_->Start(Out(p), spec); }
  int ProcessGroup(ProcessHandle p) const override { return host_->ProcessGroup(Out(p)); }
  int OrphanGroup(int pid) const override { return host_->OrphanGroup(pid); }
  void Signal(ProcessHandle p, int signal) override { host_->Signal(Out(p), signal); }
  bool HasExited(ProcessHandle p) const override { return host_->HasExited(Out(p)); }
  std::unique_ptr<CapturedOutput> CutOutput(ProcessHandle p,
                                            std::vector<RunnerEvent>* events) override {
    size_t first = events->size();
    auto out = host_->CutOutput(Out(p), events);
    for (size_t i = first; i < events->size(); ++i) (*events)[i].handle -= offset_;
    return out;
  }
  bool Usage(ProcessHandle p, ProcessUsage* out) const override {
    return host_->Usage(Out(p), out);
  }
  int WatchReadable(int fd, ProcessHandle owner) override {
    return host_->WatchReadable(fd, Out(owner));
  }
  int WatchWritable(int fd, ProcessHandle owner) override {
    return host_->WatchWritable(fd, Out(owner));
  }
  void Unwatch(int fd) override { host_->Unwatch(fd); }
  void ArmTimer(Nanos at) override { timer_ = at; }
  void ArmTick(Nanos at) override { host_->ArmTick(at); }
  void WatchInput(int fd) override { host_->WatchInput(fd); }
  bool Wait(std::vector<RunnerEvent>* events, std::string*) override {  // never blocks
    for (RunnerEvent& ev : queue_) events->push_back(std::move(ev));
    queue_.clear();
    return true;
  }
  Nanos Now() override { return host_->Now(); }
  void EndStragglers(Nanos) override {}  // the host ends them all once

  bool Owns(uint64_t process) const {
    return process >= offset_ && process - offset_ >= (uint64_t{1} << 40) &&
           process - offset_ < (uint64_t{1} << 44);
  }
  void Deliver(RunnerEvent ev) {
    if (ev.kind != RunnerEvent::Kind::kTimer) ev.handle -= offset_;
    queue_.push_back(std::move(ev));
  }
  bool pending() const { return !queue_.empty(); }
  Nanos timer() const { return timer_; }
  void Fired() { timer_ = 0; }

 private:
  ProcessHandle Out(ProcessHandle p) const { return ProcessHandle(p.value() + offset_); }

  ProcessHost* host_;
  uint64_t offset_;
  Nanos timer_ = 0;
  std::vector<RunnerEvent> queue_;
};

StageRunners::StageRunners(ProcessHost* processes,
                           std::vector<std::unique_ptr<WorkerOptions>> workers)
    : processes_(processes) {
  for (size_t k = 0; k < workers.size(); ++k) {
    Stage s;
    if (workers[k] != nullptr) {
      s.view = std::make_unique<View>(processes_, FirstHandle(k));
      s.runner = std::make_unique<WorkerRunner>(s.view.get(), std::move(*workers[k]));
    }
    stages_.push_back(std::move(s));
  }
}

StageRunners::~StageRunners() = default;

StageRunners::Stage* StageRunners::WorkerStage(uint64_t handle) const {
  auto it = stage_of_task_.find(handle);
  if (it == stage_of_task_.end()) return nullptr;
  return const_cast<Stage*>(&stages_[it->second]);
}

StageRunners::View* StageRunners::Owner(uint64_t process) const {
  for (const Stage& s : stages_) {
    if (s.view != nullptr && s.view->Owns(process)) return s.view.get();
  }
  return nullptr;
}

int StageRunners::Start(uint64_t handle, const LaunchSpec& spec) {
  auto k = static_cast<size_t>(spec.stage);
  if (k < stages_.size() && stages_[k].runner != nullptr) {
    stage_of_task_[handle] = k;
    int e = stages_[k].runner->Start(handle, spec);
    if (e != 0) stage_of_task_.erase(handle);
    Rearm();
    return e;
  }
  return processes_->Start(ProcessHandle(handle), spec);
}

int StageRunners::ProcessGroup(uint64_t handle) const {
  if (Stage* s = WorkerStage(handle)) return s->runner->ProcessGroup(handle);
  return processes_->ProcessGroup(ProcessHandle(handle));
}

void StageRunners::Signal(uint64_t handle, int signal) {
  if (Stage* s = WorkerStage(handle)) {
    s->runner->Signal(handle, signal);
    Rearm();
    return;
  }
  processes_->Signal(ProcessHandle(handle), signal);
}

void StageRunners::ArmTimer(Nanos at) {
  engine_timer_ = at;
  Rearm();
}

void StageRunners::Rearm() {
  Nanos next = engine_timer_;
  for (const Stage& s : stages_) {
    Nanos t = s.view != nullptr ? s.view->timer() : 0;
    if (t > 0 && (next == 0 || t < next)) next = t;
  }
  if (next != armed_) {
    armed_ = next;
    processes_->ArmTimer(next);
  }
}

void StageRunners::Route(RunnerEvent& ev, std::vector<RunnerEvent>* events) {
  if (ev.kind == RunnerEvent::Kind::kTimer) {
    Nanos now = Now();
    armed_ = 0;
    for (Stage& s : stages_) {
      if (s.view != nullptr && s.view->timer() != 0 && s.view->timer() <= now) {
        s.view->Fired();
        RunnerEvent timer;
        timer.kind = RunnerEvent::Kind::kTimer;
        timer.at = ev.at;
        s.view->Deliver(std::move(timer));
      }
    }
    if (engine_timer_ != 0 && engine_timer_ <= now) {
      engine_timer_ = 0;
      events->push_back(std::move(ev));
    }
    return;
  }
  bool per_process =
      ev.kind == RunnerEvent::Kind::kExited || ev.kind == RunnerEvent::Kind::kOutput ||
      ev.kind == RunnerEvent::Kind::kReadable || ev.kind == RunnerEvent::Kind::kWritable;
  if (per_process) {
    if (View* v = Owner(ev.handle)) {
      v->Deliver(std::move(ev));
      return;
    }
  }
  events->push_back(std::move(ev));
}

// Lets each worker stage's runner take what its view holds (it never blocks there).
bool StageRunners::DrainViews(std::vector<RunnerEvent>* events, std::string* err) {
  for (Stage& s : stages_) {
    if (s.runner == nullptr) continue;
    do {
      size_t before = events->size();
      if (!s.runner->Wait(events, err)) return false;
      for (size_t i = before; i < events->size(); ++i) {
        const RunnerEvent& ev = (*events)[i];
        if (ev.kind == RunnerEvent::Kind::kExited) stage_of_task_.erase(ev.handle);
      }
    } while (s.view->pending());
  }
  Rearm();
  return true;
}

bool StageRunners::Wait(std::vector<RunnerEvent>* events, std::string* err) {
  if (!DrainViews(events, err)) return false;
  if (!events->empty()) return true;
  std::vector<RunnerEvent> raw;
  if (!processes_->Wait(&raw, err)) return false;
  for (RunnerEvent& ev : raw) Route(ev, events);
  return DrainViews(events, err);
}

void StageRunners::EndStragglers(Nanos grace) {
  for (Stage& s : stages_) {
    if (s.runner != nullptr) s.runner->EndStragglers(grace);  // ends its workers' input
  }
  processes_->EndStragglers(grace);
}

}  // namespace coreflow
