#include "tune/online.h"

#include <algorithm>

namespace coreflow {

AutotuneController::AutotuneController(RunShaper* run, TuneSpace space, AutotuneOptions options)
    : run_(run), search_(std::move(space), options.mode), options_(std::move(options)) {}

size_t AutotuneController::WindowTasks(const TuneConfig& c) const {
  size_t per_slot = options_.mode == TuneMode::kQuick ? 2 : 3;
  return std::max<size_t>(per_slot * static_cast<size_t>(c.slots), 6);
}

size_t TrialBudget(const AutotuneOptions& options, const RunTotals& totals, size_t planned) {
  size_t share =
      totals.total_known
          ? static_cast<size_t>(static_cast<double>(totals.total) * options.budget_fraction)
          : options.unknown_budget;
  return std::max({share, options.min_budget, planned});
}

size_t AutotuneController::TrialInputs(const TuneConfig& c) const {
  // The warm-up (a task per slot) and the window, of c.batch inputs each.
  return (static_cast<size_t>(std::max(c.slots, 1)) + WindowTasks(c)) *
         std::max<size_t>(c.batch, 1);
}

size_t AutotuneController::Budget(const RunTotals& totals) const {
  return TrialBudget(options_, totals, planned_);
}

void AutotuneController::Apply(const TuneConfig& wanted, Nanos now) {
  TuneConfig c = wanted;
  if (max_slots_ > 0) c.slots = std::min(c.slots, max_slots_);
  RunShape shape;
  shape.slots = c.slots;
  shape.threads = c.threads;
  shape.batch = c.batch;
  if (c.bind && options_.carve) shape.slot_cpus = options_.carve(c.slots);
  shape.params = c.params;
  run_->Reshape(shape);
  applied_ = c;
  trial_start_ = now;
}

void AutotuneController::OnRunStarted(Nanos now) {
  trial_ = search_.Next();
  if (!trial_) {
    phase_ = Phase::kDone;
    return;
  }
  // Below two trials' worth a comparison cannot be made: the trials would only cost time.
  RunTotals totals = run_->totals();
  size_t needed = std::max(options_.min_budget, 2 * TrialInputs(*trial_));
  if (totals.total_known && totals.total < needed) {
    too_few_ = needed;
    trial_.reset();
    phase_ = Phase::kDone;
    return;
  }
  if (options_.mode == TuneMode::kExhaustive) {  // its grid is planned whole from the start
    planned_ = TrialInputs(*trial_);
    for (const TuneConfig& c : search_.queued()) planned_ += TrialInputs(c);
  }
  Apply(*trial_, now);  // nothing runs yet: no need to drain
  meter_.emplace(applied_.slots, WindowTasks(applied_));
}

void AutotuneController::OnTaskFinished(const TaskRecord& r, const RunTotals& totals) {
  if (phase_ == Phase::kDone || phase_ == Phase::kSettling) {
    if (phase_ == Phase::kSettling && totals.running == 0) {
      Apply(search_.Winner(), r.ended);
      phase_ = Phase::kDone;
    }
    return;
  }
  if (max_slots_ == 0 && options_.memory_bytes > 0 && r.max_rss_kib > 0) {
    // One task's peak memory, with a margin, bounds how many may run at once.
    double per_task = static_cast<double>(r.max_rss_kib) * 1024 * 1.25;
    max_slots_ =
        std::max(1, static_cast<int>(static_cast<double>(options_.memory_bytes) / per_task));
  }
  if (phase_ == Phase::kDraining) {
    if (totals.running == 0 && waiting_) {
      Apply(*waiting_, r.ended);
      meter_.emplace(applied_.slots, WindowTasks(applied_));
      waiting_.reset();
      phase_ = Phase::kMeasuring;
    }
    return;
  }
  if (r.started < trial_start_) return;  // began under the previous shape
  used_ += static_cast<size_t>(std::max(r.inputs, 1));
  meter_->OnFinished(r.started, r.ended, r.inputs, r.slot);
  if (meter_->done() || used_ >= Budget(totals)) EndTrial(totals, r.ended);
}

void AutotuneController::EndTrial(const RunTotals& totals, Nanos now) {
  TrialResult result;
  result.config = applied_;
  result.rate = meter_->rate();
  result.spread = meter_->spread();
  result.inputs = meter_->inputs();
  // A trial the budget cut short counts only if its window saw a few tasks.
  if (meter_->done() || (result.rate > 0 && result.spread < 1)) search_.Report(result);
  meter_.reset();
  if (used_ >= Budget(totals)) {  // out of budget: the best so far wins
    phase_ = Phase::kSettling;
  } else {
    NextTrial(totals, now);
  }
  if (phase_ == Phase::kSettling) {
    if (search_.Winner() == applied_) {  // already running on it
      phase_ = Phase::kDone;
    } else if (totals.running == 0) {
      Apply(search_.Winner(), now);
      phase_ = Phase::kDone;
    } else {
      run_->Reshape(RunShape{0, 0, 0, {}});  // drain, then the winner
    }
  }
}

void AutotuneController::NextTrial(const RunTotals& totals, Nanos now) {
  trial_ = search_.Next();
  if (!trial_) {
    phase_ = Phase::kSettling;
    return;
  }
  TuneConfig next = *trial_;
  if (max_slots_ > 0) next.slots = std::min(next.slots, max_slots_);
  if (next == applied_) {  // same shape: measure again from here
    trial_start_ = now;
    meter_.emplace(applied_.slots, WindowTasks(applied_));
    return;
  }
  if (totals.running == 0) {
    Apply(*trial_, now);
    meter_.emplace(applied_.slots, WindowTasks(applied_));
    return;
  }
  waiting_ = *trial_;
  phase_ = Phase::kDraining;
  run_->Reshape(RunShape{0, 0, 0, {}});
}

}  // namespace coreflow
