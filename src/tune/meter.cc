#include "tune/meter.h"

#include <algorithm>
#include <cmath>

namespace coreflow {

TrialMeter::TrialMeter(int slots, size_t window_tasks)
    : slots_(std::max(slots, 1)), window_tasks_(std::max<size_t>(window_tasks, 2)) {}

void TrialMeter::OnFinished(Nanos started, Nanos ended, int inputs, int slot) {
  inputs_ += static_cast<size_t>(std::max(inputs, 0));
  if (open_) {
    double per_input = ToSeconds(ended - started) / std::max(inputs, 1);
    if (!done()) window_.push_back({ended, inputs, per_input});
    return;
  }
  warmed_.insert(slot);
  if (static_cast<int>(warmed_.size()) >= slots_) {
    open_ = true;
    window_start_ = ended;
  }
}

double TrialMeter::rate() const {
  if (window_.empty()) return 0;
  double inputs = 0;
  for (const Finish& f : window_) inputs += f.inputs;
  double seconds = ToSeconds(window_.back().at - window_start_);
  return seconds > 0 ? inputs / seconds : 0;
}

double TrialMeter::spread() const {
  // From each task's own time rather than from when tasks end: slots that finish in step
  // make completion times bunch up even when every task takes the same time.
  size_t n = window_.size();
  if (n < 3) return 1;
  double mean = 0;
  for (const Finish& f : window_) mean += f.seconds_per_input;
  mean /= static_cast<double>(n);
  if (mean <= 0) return 1;
  double var = 0;
  for (const Finish& f : window_)
    var += (f.seconds_per_input - mean) * (f.seconds_per_input - mean);
  var /= static_cast<double>(n - 1);
  return 2 * std::sqrt(var / static_cast<double>(n)) / mean;
}

}  // namespace coreflow
