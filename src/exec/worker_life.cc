#include "exec/worker_life.h"

#include <signal.h>

#include <algorithm>

namespace coreflow {
namespace worker_life {

// One overload per event kind and no catch-all: a new kind does not compile until handled.
struct WorkerLife::Visitor {
  WorkerLife& life;
  std::vector<Action>* actions;

  void operator()(const Spawned& e) {
    if (life.Is<Delayed>()) life.state_ = Starting{e.now};
  }

  void operator()(const SaidReady& e) {
    const auto* starting = std::get_if<Starting>(&life.state_);
    if (starting == nullptr) {
      actions->push_back(Kill{Kill::Why::kSecondReadyLine});
      return;
    }
    Nanos startup = e.now - starting->spawned;
    life.state_ = Ready{};
    actions->push_back(AnnounceReady{startup});
  }

  void operator()(const TaskOffered& e) {
    // The run was reshaped: this slot gets a worker of the new shape.
    if (life.Is<Ready>() && !(e.shape == life.shape_)) life.Retire(e.now, actions);
  }

  void operator()(const RequestSent& e) {
    if (life.Is<Ready>()) life.state_ = Busy{e.now};
  }

  void operator()(const Answered& e) {
    if (!life.Is<Busy>()) return;
    life.state_ = Ready{};
    ++life.tasks_done_;
    const Policy& p = life.policy_;
    bool worn = p.max_tasks > 0 && life.tasks_done_ >= p.max_tasks;
    bool big = p.max_rss > 0 && e.rss_bytes > p.max_rss;
    if (worn || big) life.Retire(e.now, actions);
  }

  void operator()(const SlotDropped& e) {
    if (life.Is<Ready>()) life.Retire(e.now, actions);
  }

  void operator()(const TimerFired& e) {
    const Policy& p = life.policy_;
    if (const auto* delayed = std::get_if<Delayed>(&life.state_)) {
      if (e.now >= delayed->not_before) actions->push_back(StartProcess{});
    } else if (const auto* starting = std::get_if<Starting>(&life.state_)) {
      if (e.now >= starting->spawned + p.start_timeout) {
        actions->push_back(Kill{Kill::Why::kNotReadyInTime});
      }
    } else if (auto* retiring = std::get_if<Retiring>(&life.state_)) {
      if (retiring->kill_at == 0 || e.now < retiring->kill_at) return;
      actions->push_back(SendSignal{retiring->terminated ? SIGKILL : SIGTERM});
      retiring->kill_at = retiring->terminated ? 0 : e.now + p.term_grace;
      retiring->terminated = true;
    }
  }

  void operator()(const Exited& e) {
    bool retiring = life.Is<Retiring>();
    if (!e.signalled_by_run && !retiring) actions->push_back(GrowBackoff{});
    if (life.Is<Starting>()) {
      if (e.signalled_by_run) {
        actions->push_back(FailStoppedTask{});
      } else {
        actions->push_back(CountFailedStart{});
      }
    } else if (life.Is<Busy>()) {
      actions->push_back(FailRunningTask{});
    }
    life.state_ = Gone{};
  }
};

WorkerLife::WorkerLife(Policy policy, Shape shape, Nanos not_before)
    : policy_(policy), shape_(std::move(shape)), state_(Delayed{not_before}) {}

void WorkerLife::Handle(const Event& event, std::vector<Action>* actions) {
  std::visit(Visitor{*this, actions}, event);
}

void WorkerLife::Retire(Nanos now, std::vector<Action>* actions) {
  state_ = Retiring{now + policy_.term_grace, false};
  actions->push_back(CloseStdin{});
}

Nanos WorkerLife::Deadline() const {
  if (const auto* d = std::get_if<Delayed>(&state_)) return d->not_before;
  if (const auto* s = std::get_if<Starting>(&state_)) return s->spawned + policy_.start_timeout;
  if (const auto* r = std::get_if<Retiring>(&state_)) return r->kill_at;
  return 0;
}

Nanos WorkerLife::began() const {
  const auto* busy = std::get_if<Busy>(&state_);
  return busy == nullptr ? 0 : busy->began;
}

Nanos Restarts::Backoff(int slot) const {
  auto it = backoff_.find(slot);
  return it == backoff_.end() ? 0 : it->second;
}

void Restarts::OnCrash(int slot) {
  Nanos& b = backoff_[slot];
  b = b == 0 ? kMinBackoff : std::min(b * 2, kMaxBackoff);
}

bool Restarts::OnFailedStart() { return ++failed_starts_ >= max_failed_starts_; }

}  // namespace worker_life
}  // namespace coreflow
