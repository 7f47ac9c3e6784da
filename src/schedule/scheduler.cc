#include "schedule/scheduler.h"

#include <signal.h>

#include <algorithm>
#include <cmath>

namespace coreflow {

Scheduler::Scheduler(const SchedulerOptions& options)
    : options_(options),
      stages_(std::max(options.slots, 1), options.stages, options.gpu_devices,
              options.scratch_cap) {
  if (options_.slots < 1) options_.slots = 1;
}

Nanos Scheduler::TimeoutOf(StageId stage) const {
  Nanos own = stages_.options(stage).timeout;
  return own >= 0 ? own : options_.timeout;
}

int Scheduler::MaxAttemptsOf(StageId stage) const {
  int own = stages_.options(stage).max_attempts;
  return own >= 0 ? own : options_.max_attempts;
}

bool Scheduler::WantsTasks() const {
  if (finished_ || stop_starting_ || counts_.inputs_ended) return false;
  // Keep a short queue: enough to refill every slot without holding the whole input; and as
  // few items between stages, so that memory stays flat when a later stage is the slower.
  if (options_.read_all_inputs) return true;
  auto slots = static_cast<size_t>(options_.slots);
  return stages_.ready(StageId(0)) < slots && stages_.ready_after_first() < 2 * slots;
}

void Scheduler::Handle(const Event& event, Nanos now, std::vector<Action>* out) {
  if (finished_) return;
  // One overload per kind: a new event kind that no one handles does not compile.
  std::visit([&](const auto& e) { On(e, now, out); }, event);
  // Deadlines are checked on every event, so a late timer wake-up loses nothing.
  FireDeadlines(now, out);
  WakeDelayed(now);
  StartReady(now, out);
  MaybeFinish(out);
  if (!finished_) UpdateTimer(now, out);
}

void Scheduler::On(const ev::TaskQueued& e, Nanos, std::vector<Action>*) {
  if (e.split_of != TaskId()) {
    // Like a retry, ahead of new tasks, after the inputs of its batch queued before it
    // (none of them has started: StartReady waits for the BatchSplit).
    stages_.InsertAt(e.stage, split_inputs_queued_++, e.task);
    if (options_.keep_order) order_.AddInput(e.split_of, e.task);
  } else {
    if (e.scratch > 0) stages_.AskScratch(e.task, e.scratch);
    stages_.PushBack(e.stage, e.task);
  }
  if (e.moved && moving_ > 0) {  // the item that finished the stage before
    --moving_;
    if (e.stage.value() > 0) stages_.Passing(StageId(e.stage.value() - 1), -1);
  }
  parked_ -= std::min<uint64_t>(parked_, static_cast<uint64_t>(std::max(e.parked, 0)));
  ++counts_.queued;
  if (options_.split_failed_batches && e.inputs > 1) batches_.insert(e.task);
}

void Scheduler::On(const ev::TaskBegan& e, Nanos now, std::vector<Action>*) {
  auto it = running_.find(e.task);
  if (it == running_.end() || !FromBegan(it->second.stage)) return;
  Nanos timeout = TimeoutOf(it->second.stage);
  if (timeout > 0 && it->second.phase == Phase::kRunning) {
    timeouts_.push_back({now + timeout, e.task, it->second.attempt});
  }
}

void Scheduler::On(const ev::SetSlots& e, Nanos, std::vector<Action>*) { OnSetSlots(e.slots); }

void Scheduler::On(const ev::BatchSplit& e, Nanos, std::vector<Action>* out) {
  if (splits_pending_ > 0) --splits_pending_;
  split_inputs_queued_ = 0;
  if (options_.keep_order) {
    std::vector<TaskId> tasks;
    order_.SplitQueued(e.task, &tasks);
    for (TaskId task : tasks) out->push_back(act::ReleaseOutput{task});
  }
}

void Scheduler::On(const ev::TaskSkipped& e, Nanos, std::vector<Action>* out) {
  ++counts_.queued;
  ++counts_.skipped;
  Release(e.task, out);
}

void Scheduler::On(const ev::ItemParked& e, Nanos, std::vector<Action>*) {
  if (e.moved && moving_ > 0) {  // from the stage before the gather stage, the last
    --moving_;
    stages_.Passing(StageId(static_cast<int>(stages_.stage_count()) - 2), -1);
  }
  ++parked_;
}

void Scheduler::On(const ev::ScratchFreed& e, Nanos, std::vector<Action>*) {
  stages_.FreeScratch(e.task);
}

void Scheduler::On(const ev::ParkedDropped& e, Nanos, std::vector<Action>*) {
  parked_ -= std::min<uint64_t>(parked_, static_cast<uint64_t>(std::max(e.items, 0)));
}

void Scheduler::On(const ev::InputsEnded&, Nanos now, std::vector<Action>* out) {
  counts_.inputs_ended = true;
  CheckHalt(nullptr, out, now);  // percentages can be judged once the total is known
}

void Scheduler::On(const ev::TaskExited& e, Nanos now, std::vector<Action>* out) {
  OnExited(e, now, out);
}

void Scheduler::On(const ev::StartDeferred& e, Nanos now, std::vector<Action>* out) {
  OnDeferred(e, now, out);
}

void Scheduler::On(const ev::TimerFired&, Nanos, std::vector<Action>*) {}  // deadlines follow

void Scheduler::On(const ev::Interrupted& e, Nanos now, std::vector<Action>* out) {
  OnInterrupted(e, now, out);
}

void Scheduler::On(const ev::Abort&, Nanos now, std::vector<Action>* out) {
  aborted_ = true;
  Stop(now, out);
}

void Scheduler::On(const ev::Drain&, Nanos, std::vector<Action>*) {
  aborted_ = true;
  stop_starting_ = true;
}

void Scheduler::On(const ev::MemoryLow& e, Nanos, std::vector<Action>*) { memory_low_ = e.low; }

void Scheduler::On(const ev::MemoryCritical&, Nanos now, std::vector<Action>* out) {
  OnMemoryCritical(now, out);
}

void Scheduler::OnSetSlots(int slots) {
  slots = std::max(slots, 0);
  std::vector<std::pair<StageId, SlotId>> busy;
  for (const auto& [task, r] : running_) busy.emplace_back(r.stage, r.slot);
  options_.slots = slots;
  stages_.SetBudget(slots, busy);
}

void Scheduler::StartReady(Nanos now, std::vector<Action>* out) {
  // A split batch's inputs are queued by the engine right after it is split: they go first.
  if (splits_pending_ > 0) return;
  // So does an item's next task when its stage is idle (see OnExited): the first items get
  // through without waiting for cores that new items took.
  if (hold_for_next_ && moving_ > 0) return;
  while (!stop_starting_ && !memory_low_ && now >= backoff_until_ && !wait_for_exit_ &&
         (capacity_ == 0 || counts_.running < capacity_)) {
    std::optional<StageId> stage = stages_.Next();
    if (!stage) return;
    auto [task, slot, gpus] = stages_.Start(*stage);
    int attempt = 1;
    if (auto it = attempts_.find(task); it != attempts_.end()) {
      attempt = it->second + 1;
    } else {
      ++counts_.started;
    }
    running_.emplace(task, Running{*stage, slot, attempt, Phase::kRunning, false, false, false,
                                   ++starts_, gpus});
    ++counts_.running;
    Nanos timeout = TimeoutOf(*stage);
    if (timeout > 0 && !FromBegan(*stage)) {
      timeouts_.push_back({now + timeout, task, attempt});
    }
    out->push_back(act::StartTask{task, slot, attempt, *stage, gpus});
  }
}

void Scheduler::Passed(StageId stage) {
  // An item that passed a stage before the last goes on: the run is not over until the
  // engine has queued its next task.
  if (static_cast<size_t>(stage.value()) + 1 >= stages_.stage_count()) return;
  ++moving_;
  stages_.Passing(stage, +1);
  // The cores it freed wait for its next task when that stage runs nothing, unless this
  // stage has a fixed share and more to do (it keeps its cores: it may be the bottleneck).
  StageId next(stage.value() + 1);
  bool keeps = stages_.options(stage).slots > 0 && stages_.ready(stage) > 0;
  hold_for_next_ = stages_.running(next) == 0 && !keeps;
}

void Scheduler::OnExited(const ev::TaskExited& e, Nanos now, std::vector<Action>* out) {
  auto it = running_.find(e.task);
  if (it == running_.end()) return;  // not ours, or already handled
  Running r = it->second;
  running_.erase(it);
  --counts_.running;
  stages_.Finish(r.stage, r.slot, r.gpus);
  backoff_ = kMinBackoff;
  fruitless_deferrals_ = 0;
  if (wait_for_exit_ || capacity_ > 0) {
    // What it held is free again: try one more at once than ran, in case the limit moved.
    wait_for_exit_ = false;
    capacity_ = counts_.running + 2 > options_.slots ? 0 : counts_.running + 2;
  }

  Outcome outcome = e.outcome;
  outcome.timed_out = r.timed_out;
  outcome.interrupted = (r.stopped || r.requeue) && !r.timed_out;
  if (r.requeue && !outcome.ok() && !stop_starting_) {
    // Ended to free memory, not for its own sake: it runs again, and the attempt is not held
    // against it. It waits behind the queue, so the memory it held can go to others first.
    attempts_[e.task] = r.attempt;
    ++requeues_[e.task];
    stages_.PushBack(r.stage, e.task);
    ++counts_.requeued;
    out->push_back(act::TaskFinished{e.task, r.attempt, outcome, false});
    return;
  }
  if (!outcome.ok() && !stop_starting_ && !outcome.interrupted && batches_.erase(e.task) > 0) {
    // Its inputs come back as tasks of their own: this task is done, neither ok nor failed.
    attempts_.erase(e.task);
    requeues_.erase(e.task);
    ++counts_.split;
    ++splits_pending_;  // the run is not over until the engine has queued its inputs
    if (options_.keep_order) order_.Split(e.task);
    out->push_back(act::TaskFinished{e.task, r.attempt, outcome, false, true});
    Release(e.task, out);
    return;
  }
  batches_.erase(e.task);
  int counted = r.attempt;
  if (auto q = requeues_.find(e.task); q != requeues_.end()) counted -= q->second;
  bool retry = !outcome.ok() && !stop_starting_ &&
               (MaxAttemptsOf(r.stage) == 0 || counted < MaxAttemptsOf(r.stage)) &&
               (options_.retry_timeouts || !outcome.timed_out);
  if (retry) {
    attempts_[e.task] = r.attempt;
    if (options_.retry_delay > 0) {
      Nanos delay = options_.retry_delay;
      for (int i = 1; i < r.attempt && delay < kMaxRetryDelay; ++i) delay *= 2;
      delayed_.emplace(now + std::min(delay, kMaxRetryDelay), std::pair(e.task, r.stage));
    } else {
      stages_.PushFront(r.stage, e.task);  // GNU parallel retries before starting new ones
    }
    ++counts_.retried;
    out->push_back(act::TaskFinished{e.task, r.attempt, outcome, false});
    return;
  }
  attempts_.erase(e.task);
  requeues_.erase(e.task);
  if (outcome.ok()) {
    ++counts_.succeeded;
  } else {
    ++counts_.failed;
  }
  if (outcome.passed()) Passed(r.stage);
  out->push_back(act::TaskFinished{e.task, r.attempt, outcome, true});
  Release(e.task, out);
  CheckHalt(&outcome, out, now);
}

void Scheduler::OnDeferred(const ev::StartDeferred& e, Nanos now, std::vector<Action>* out) {
  auto it = running_.find(e.task);
  if (it == running_.end()) return;
  Running r = it->second;
  running_.erase(it);
  --counts_.running;
  stages_.Finish(r.stage, r.slot, r.gpus);
  if (r.attempt > 1) {
    attempts_[e.task] = r.attempt - 1;
  } else {
    --counts_.started;
  }
  stages_.PushFront(r.stage, e.task);
  if (!running_.empty()) {
    // As many as run now is what the system allows: no more start until one of them ends
    // and frees its processes and descriptors. Waiting on a timer instead would idle slots.
    capacity_ = counts_.running;
    wait_for_exit_ = true;
    return;
  }
  // Nothing runs that could free anything: back off, doubling once per burst of starts that
  // failed together, not once per task of it.
  capacity_ = 0;
  wait_for_exit_ = false;
  if (now >= backoff_until_) {
    backoff_until_ = now + backoff_;
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  }
  if (++fruitless_deferrals_ >= kMaxFruitlessDeferrals) {
    abort_reason_ =
        "cannot start any task: the process or file descriptor limit stays exhausted "
        "(check ulimit -u and ulimit -n)";
    aborted_ = true;
    stop_starting_ = true;
    (void)out;
  }
}

void Scheduler::WakeDelayed(Nanos now) {
  // Due retries go first, earliest due first, as undelayed retries do.
  auto end = delayed_.upper_bound(now);
  std::vector<std::pair<TaskId, StageId>> due;
  for (auto it = delayed_.begin(); it != end; ++it) due.push_back(it->second);
  delayed_.erase(delayed_.begin(), end);
  for (auto it = due.rbegin(); it != due.rend(); ++it) stages_.PushFront(it->second, it->first);
}

void Scheduler::Stop(Nanos now, std::vector<Action>* out) {
  stop_starting_ = true;
  for (auto& [task, r] : running_) {
    if (r.phase == Phase::kRunning) r.stopped = true;
  }
  TerminateAll(now, out);
}

void Scheduler::OnInterrupted(const ev::Interrupted& e, Nanos now, std::vector<Action>* out) {
  ++interrupts_;
  stop_starting_ = true;
  if (interrupt_signal_ == 0) interrupt_signal_ = e.signal;
  if (interrupts_ == 1) {
    Stop(now, out);
    return;
  }
  // A second interrupt: no more grace.
  for (auto& [task, r] : running_) {
    if (r.phase != Phase::kKilled) {
      r.phase = Phase::kKilled;
      out->push_back(act::SignalTask{task, SIGKILL});
    }
  }
}

void Scheduler::OnMemoryCritical(Nanos now, std::vector<Action>* out) {
  // One at a time: the memory of the last one ended must show before judging again. A lone
  // task is left alone, as ending it could only start it again.
  if (stop_starting_ || running_.size() < 2) return;
  Running* youngest = nullptr;
  TaskId youngest_task;
  for (auto& [task, r] : running_) {
    if (r.requeue) return;
    if (r.phase != Phase::kRunning) continue;
    if (youngest == nullptr || r.start_order > youngest->start_order) {
      youngest = &r;
      youngest_task = task;
    }
  }
  if (youngest == nullptr) return;
  youngest->requeue = true;
  Terminate(youngest_task, *youngest, now, out);
}

void Scheduler::Terminate(TaskId task, Running& r, Nanos now, std::vector<Action>* out) {
  if (r.phase != Phase::kRunning) return;
  if (options_.term_grace <= 0) {
    r.phase = Phase::kKilled;
    out->push_back(act::SignalTask{task, SIGKILL});
    return;
  }
  r.phase = Phase::kTerminating;
  out->push_back(act::SignalTask{task, SIGTERM});
  kill_after_.push_back({now + options_.term_grace, task, r.attempt});
}

void Scheduler::TerminateAll(Nanos now, std::vector<Action>* out) {
  for (auto& [task, r] : running_) Terminate(task, r, now, out);
}

bool Scheduler::IsLive(const Deadline& d, Phase phase) const {
  auto it = running_.find(d.task);
  return it != running_.end() && it->second.attempt == d.attempt && it->second.phase == phase;
}

void Scheduler::FireDeadlines(Nanos now, std::vector<Action>* out) {
  while (!timeouts_.empty() && timeouts_.front().at <= now) {
    Deadline d = timeouts_.front();
    timeouts_.pop_front();
    if (!IsLive(d, Phase::kRunning)) continue;
    Running& r = running_.at(d.task);
    r.timed_out = true;
    Terminate(d.task, r, now, out);
  }
  while (!kill_after_.empty() && kill_after_.front().at <= now) {
    Deadline d = kill_after_.front();
    kill_after_.pop_front();
    if (!IsLive(d, Phase::kTerminating)) continue;
    running_.at(d.task).phase = Phase::kKilled;
    out->push_back(act::SignalTask{d.task, SIGKILL});
  }
}

void Scheduler::CheckHalt(const Outcome* last, std::vector<Action>* out, Nanos now) {
  const HaltPolicy& h = options_.halt;
  if (h.when == HaltPolicy::When::kNever || halt_triggered_) return;
  uint64_t reached = h.why == HaltPolicy::Why::kFail      ? counts_.failed
                     : h.why == HaltPolicy::Why::kSuccess ? counts_.succeeded
                                                          : counts_.failed + counts_.succeeded;
  double threshold;
  if (h.percent > 0) {
    if (!counts_.inputs_ended) return;
    threshold = static_cast<double>(counts_.queued) * h.percent / 100.0;
  } else {
    threshold = static_cast<double>(h.count);
  }
  if (reached == 0 || static_cast<double>(reached) < threshold) return;

  halt_triggered_ = true;
  // Exit status as GNU parallel computes it when the halt condition is met.
  if (h.why == HaltPolicy::Why::kSuccess) {
    halt_exit_ = 0;
  } else if (h.percent > 0) {
    halt_exit_ =
        static_cast<int>(std::ceil(static_cast<double>(counts_.failed) * 100.0 /
                                   static_cast<double>(std::max<uint64_t>(1, counts_.queued))));
  } else if (h.count == 1 && last != nullptr) {
    halt_exit_ = last->exit_code != 0 ? last->exit_code
                 : last->signal != 0  ? 128 + last->signal
                                      : 0;
  } else {
    halt_exit_ = static_cast<int>(std::min<uint64_t>(counts_.failed, 101));
  }
  stop_starting_ = true;
  if (h.when == HaltPolicy::When::kNow) Stop(now, out);
}

void Scheduler::Release(TaskId task, std::vector<Action>* out) {
  if (!options_.keep_order) {
    out->push_back(act::ReleaseOutput{task});
    return;
  }
  std::vector<TaskId> tasks;
  order_.Finished(task, &tasks);
  for (TaskId t : tasks) out->push_back(act::ReleaseOutput{t});
}

void Scheduler::MaybeFinish(std::vector<Action>* out) {
  bool no_more_work =
      stop_starting_ || (counts_.inputs_ended && stages_.ready_total() == 0 && delayed_.empty() &&
                         splits_pending_ == 0 && moving_ == 0 && parked_ == 0);
  if (!no_more_work || !running_.empty()) return;
  // Tasks that never started leave gaps in the order; release what did finish.
  std::vector<TaskId> tasks;
  order_.Flush(&tasks);
  for (TaskId task : tasks) out->push_back(act::ReleaseOutput{task});
  if (armed_at_ != 0) out->push_back(act::ArmTimer{0});
  armed_at_ = 0;
  out->push_back(act::RunFinished{ExitStatus()});
  finished_ = true;
}

void Scheduler::UpdateTimer(Nanos now, std::vector<Action>* out) {
  while (!timeouts_.empty() && !IsLive(timeouts_.front(), Phase::kRunning)) timeouts_.pop_front();
  while (!kill_after_.empty() && !IsLive(kill_after_.front(), Phase::kTerminating)) {
    kill_after_.pop_front();
  }
  Nanos next = 0;
  auto consider = [&](Nanos t) {
    if (t > 0 && (next == 0 || t < next)) next = t;
  };
  if (!timeouts_.empty()) consider(timeouts_.front().at);
  if (!kill_after_.empty()) consider(kill_after_.front().at);
  if (backoff_until_ > now && stages_.ready_total() > 0 && !stop_starting_)
    consider(backoff_until_);
  if (!delayed_.empty() && !stop_starting_) consider(delayed_.begin()->first);
  if (next != armed_at_) {
    armed_at_ = next;
    out->push_back(act::ArmTimer{next});
  }
}

int Scheduler::ExitStatus() const {
  if (aborted_) return 255;
  if (interrupt_signal_ != 0) return 128 + interrupt_signal_;
  if (halt_exit_) return *halt_exit_;
  if (options_.halt.when != HaltPolicy::When::kNever && options_.halt.percent > 0) {
    return static_cast<int>(std::ceil(static_cast<double>(counts_.failed) * 100.0 /
                                      static_cast<double>(std::max<uint64_t>(1, counts_.started))));
  }
  return static_cast<int>(std::min<uint64_t>(counts_.failed, 101));
}

}  // namespace coreflow
