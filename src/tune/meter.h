#pragma once

#include <cstddef>
#include <set>
#include <vector>

#include "base/time.h"

namespace coreflow {

// Measures one trial: inputs per second in its steady window, which opens once every slot has
// finished a task of the trial (start-up and the first task's warm caches are behind it) and
// closes after `window_tasks` more tasks.
class TrialMeter {
 public:
  TrialMeter(int slots, size_t window_tasks);

  // A task of this trial ended; `inputs` is how many it did (a batch does several).
  void OnFinished(Nanos started, Nanos ended, int inputs, int slot);
  bool done() const { return window_.size() >= window_tasks_; }
  // Inputs per second over the window (what it has so far, if not done).
  double rate() const;
  // The noise: the half-width of a 95 % confidence interval of the window's mean time per
  // input, as a fraction of it (2 standard errors). 1 when too few tasks tell.
  double spread() const;
  size_t inputs() const { return inputs_; }  // every input the trial finished

 private:
  struct Finish {
    Nanos at;
    int inputs;
    double seconds_per_input;
  };

  int slots_;
  size_t window_tasks_;
  std::set<int> warmed_;  // slots that finished a task of this trial
  Nanos window_start_ = 0;
  bool open_ = false;
  std::vector<Finish> window_;
  size_t inputs_ = 0;
};

}  // namespace coreflow
