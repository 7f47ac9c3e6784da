#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "engine/run_shaper.h"
#include "report/observer.h"
#include "tune/meter.h"
#include "tune/search.h"

namespace coreflow {

struct AutotuneOptions {
  TuneMode mode = TuneMode::kDefault;
  double budget_fraction = 0.05;  // of the job's inputs, when their number is known
  size_t min_budget = 48;         // inputs the trials may use whatever the job's size
  size_t unknown_budget = 400;    // when the number of inputs is not known
  uint64_t memory_bytes = 0;      // usable memory: slots are cut by the measured peak RSS
  // --bind: each slot's CPUs for a number of slots (empty function: no pinning possible).
  std::function<std::vector<std::vector<int>>(int slots)> carve;
};

// How many inputs the trials may use: the mode's share of the job (or unknown_budget when its
// size is not known), at least min_budget, and at least `planned` (exhaustive mode: what every
// trial it planned needs, so that it finishes its grid even on a small job).
size_t TrialBudget(const AutotuneOptions& options, const RunTotals& totals, size_t planned);

// Online tuning (run --autotune): trials run real inputs, which are journalled and count as
// done, so no work is lost; then the rest runs on the winner. Between two trials the run
// drains (no task starts until the last one of the old shape ended), so each trial is measured
// alone. Plugs into the engine as an observer and reshapes the run through a RunShaper; the
// engine knows nothing of it.
class AutotuneController : public RunObserver {
 public:
  AutotuneController(RunShaper* run, TuneSpace space, AutotuneOptions options);

  bool WantsTotal() const override { return true; }
  void OnRunStarted(Nanos now) override;
  void OnTaskFinished(const TaskRecord& record, const RunTotals& totals) override;

  bool finished() const { return phase_ == Phase::kDone; }  // the search ran to its end
  // Set when the job is known to hold fewer inputs than two trials take: no trial ran and the
  // default shape ran everything. The inputs a search would have needed.
  size_t too_few_inputs() const { return too_few_; }
  const TuneSearch& search() const { return search_; }
  TuneConfig chosen() const { return search_.Winner(); }
  size_t inputs_used() const { return used_; }

 private:
  enum class Phase { kMeasuring, kDraining, kSettling, kDone };
  void Apply(const TuneConfig& config, Nanos now);
  void EndTrial(const RunTotals& totals, Nanos now);
  void NextTrial(const RunTotals& totals, Nanos now);
  size_t Budget(const RunTotals& totals) const;
  size_t WindowTasks(const TuneConfig& c) const;
  size_t TrialInputs(const TuneConfig& c) const;  // what one trial of `c` takes, about

  RunShaper* run_;
  TuneSearch search_;
  AutotuneOptions options_;
  Phase phase_ = Phase::kMeasuring;
  std::optional<TuneConfig> trial_;
  std::optional<TuneConfig> waiting_;  // what to apply once drained
  std::optional<TrialMeter> meter_;
  TuneConfig applied_;
  Nanos trial_start_ = 0;
  size_t used_ = 0;     // inputs finished by trials so far
  size_t planned_ = 0;  // exhaustive mode: the inputs its whole grid takes
  int max_slots_ = 0;   // memory's cut, once a task's peak RSS is known
  size_t too_few_ = 0;  // see too_few_inputs()
};

}  // namespace coreflow
