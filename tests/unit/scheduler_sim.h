#pragma once

// A discrete-event simulation of a run: the real Scheduler, a fake clock and a fake runner
// whose tasks take scripted times and exit with scripted outcomes. No process, no sleep.
// Events are queued and handled one at a time, as the engine does.

#include <signal.h>

#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "schedule/scheduler.h"

namespace coreflow::sim {

struct TaskScript {
  Nanos duration = kNanosPerMilli;
  Outcome outcome;            // how it ends if nobody signals it
  bool ignores_term = false;  // survives SIGTERM (only SIGKILL ends it)
};

// seq, attempt -> what that attempt does.
using Script = std::function<TaskScript(uint64_t seq, int attempt)>;

class Simulation {
 public:
  Simulation(const SchedulerOptions& options, uint64_t num_tasks, Script script)
      : options_(options), scheduler_(options), num_tasks_(num_tasks), script_(std::move(script)) {}

  // Runs to the end. Checks the invariants (capacity, slot exclusivity) on every step.
  void Run(size_t max_steps = 50'000'000) {
    Feed();
    size_t steps = 0;
    while (!scheduler_.finished() && steps++ < max_steps) {
      Nanos next = NextEventTime();
      ASSERT_GT(next, 0) << "the simulation is stuck: nothing running, no timer";
      now_ = std::max(now_, next);
      if (interrupt_at_ != 0 && interrupt_at_ <= now_) {
        interrupt_at_ = 0;
        Dispatch(ev::Interrupted{SIGINT});
      }
      while (!exits_.empty() && exits_.begin()->first <= now_) {
        auto [at, seq] = *exits_.begin();
        exits_.erase(exits_.begin());
        Running r = running_.at(seq);
        running_.erase(seq);
        busy_slots_.erase(r.slot);
        Dispatch(ev::TaskExited{TaskId(seq), r.outcome});
      }
      if (timer_at_ != 0 && timer_at_ <= now_) {
        timer_at_ = 0;
        Dispatch(ev::TimerFired{});
      }
      Feed();
    }
    ASSERT_TRUE(scheduler_.finished());
  }

  void InterruptAt(Nanos t) { interrupt_at_ = t; }
  // Makes the next `n` starts fail transiently (as EAGAIN would).
  void FailNextStarts(int n) { transient_failures_ = n; }
  // Makes every start fail transiently while `n` tasks run (as ulimit -n would).
  void LimitProcesses(int n) { process_limit_ = n; }
  int deferred() const { return deferred_; }

  Scheduler& scheduler() { return scheduler_; }
  int exit_status() const { return exit_status_; }
  Nanos now() const { return now_; }
  int max_running() const { return max_running_; }
  const std::vector<act::TaskFinished>& finished() const { return finished_; }
  const std::vector<uint64_t>& released() const { return released_; }
  const std::vector<act::StartTask>& starts() const { return starts_; }
  const std::vector<act::SignalTask>& signals() const { return signals_; }
  std::map<uint64_t, int> FinalCount() const {
    std::map<uint64_t, int> n;
    for (const auto& f : finished_) n[f.task.value()] += f.final ? 1 : 0;
    return n;
  }

 private:
  struct Running {
    int slot;
    Nanos exit_at;
    Outcome outcome;
    bool ignores_term;
  };

  void Feed() {
    while (fed_ < num_tasks_ && scheduler_.WantsTasks()) Dispatch(ev::TaskQueued{TaskId(++fed_)});
    if (fed_ == num_tasks_ && !inputs_ended_) {
      inputs_ended_ = true;
      Dispatch(ev::InputsEnded{});
    }
  }

  Nanos NextEventTime() const {
    Nanos next = 0;
    auto consider = [&](Nanos t) {
      if (t != 0 && (next == 0 || t < next)) next = t;
    };
    if (!exits_.empty()) consider(exits_.begin()->first);
    consider(timer_at_);
    consider(interrupt_at_);
    return next;
  }

  void Dispatch(const Event& e) {
    pending_.push_back(e);
    if (dispatching_) return;
    dispatching_ = true;
    while (!pending_.empty()) {
      Event next = pending_.front();
      pending_.pop_front();
      std::vector<Action> actions;
      scheduler_.Handle(next, now_, &actions);
      for (const Action& a : actions) Apply(a);
    }
    dispatching_ = false;
  }

  void SetExit(uint64_t seq, Running& r, Nanos at) {
    exits_.erase({r.exit_at, seq});
    r.exit_at = at;
    exits_.insert({at, seq});
  }

  void Apply(const Action& a) {
    if (const auto* s = std::get_if<act::StartTask>(&a)) {
      starts_.push_back(*s);
      const int slot = s->slot.value();
      const uint64_t task = s->task.value();
      ASSERT_GE(slot, 1);
      ASSERT_LE(slot, options_.slots);
      ASSERT_TRUE(busy_slots_.insert(slot).second) << "slot " << slot << " given to two tasks";
      bool over_limit = process_limit_ > 0 && static_cast<int>(running_.size()) >= process_limit_;
      if (transient_failures_ > 0 || over_limit) {
        if (!over_limit) --transient_failures_;
        ++deferred_;
        busy_slots_.erase(slot);
        Dispatch(ev::StartDeferred{s->task});
        return;
      }
      TaskScript t = script_(task, s->attempt);
      Running r{slot, now_ + t.duration, t.outcome, t.ignores_term};
      exits_.insert({r.exit_at, task});
      running_.emplace(task, r);
      max_running_ = std::max(max_running_, static_cast<int>(running_.size()));
      ASSERT_LE(static_cast<int>(running_.size()), options_.slots) << "capacity exceeded";
    } else if (const auto* s = std::get_if<act::SignalTask>(&a)) {
      signals_.push_back(*s);
      auto it = running_.find(s->task.value());
      ASSERT_NE(it, running_.end()) << "signal to a task that is not running";
      Running& r = it->second;
      if (s->signal == SIGKILL || !r.ignores_term) {
        // Dies of the signal a millisecond later.
        SetExit(s->task.value(), r, std::min(r.exit_at, now_ + kNanosPerMilli));
        r.outcome = Outcome{0, s->signal, false};
      } else {
        SetExit(s->task.value(), r, std::max(r.exit_at, now_ + 1000 * kNanosPerSecond));
      }
    } else if (const auto* s = std::get_if<act::ArmTimer>(&a)) {
      timer_at_ = s->at;
    } else if (const auto* s = std::get_if<act::TaskFinished>(&a)) {
      finished_.push_back(*s);
    } else if (const auto* s = std::get_if<act::ReleaseOutput>(&a)) {
      released_.push_back(s->task.value());
    } else if (const auto* s = std::get_if<act::RunFinished>(&a)) {
      exit_status_ = s->exit_status;
    }
  }

  SchedulerOptions options_;
  Scheduler scheduler_;
  uint64_t num_tasks_;
  Script script_;
  uint64_t fed_ = 0;
  bool inputs_ended_ = false;
  Nanos now_ = 1;
  Nanos timer_at_ = 0;
  Nanos interrupt_at_ = 0;
  int transient_failures_ = 0;
  int process_limit_ = 0;
  int deferred_ = 0;
  int exit_status_ = -1;
  int max_running_ = 0;
  std::deque<Event> pending_;
  bool dispatching_ = false;
  std::set<std::pair<Nanos, uint64_t>> exits_;
  std::map<uint64_t, Running> running_;
  std::set<int> busy_slots_;
  std::vector<act::TaskFinished> finished_;
  std::vector<uint64_t> released_;
  std::vector<act::StartTask> starts_;
  std::vector<act::SignalTask> signals_;
};

inline TaskScript Ok(Nanos duration) { return TaskScript{duration, Outcome{}, false}; }
inline TaskScript Exit(Nanos duration, int code) {
  return TaskScript{duration, Outcome{code, 0, false}, false};
}

}  // namespace coreflow::sim
