#include "tune/meter.h"

#include <algorithm>
#include <cmath>

namespace coreflow {

TrialMeter::TrialMeter(int slots, size_t window_tasks)
    : slots_(std::max(slots, 1)), window_tasks_(std::max<size_t>(window_tasks, 2)) {}

void TrialMeter::OnFinished(Nanos ended, int inputs, int slot) {
  inputs_ += static_cast<size_t>(std::max(inputs, 0));
  if (open_) {
    if (!done()) window_.push_back({ended, inputs});
    return;
  }
  warmed_.insert(slot);
  if (static_cast<int>(warmed_.size()) >= slots_) {
    open_ = true;
    window_start_ = ended;
  }
}

double TrialMeter::Rate(const std::vector<Finish>& f, size_t from, size_t to, Nanos start) {
  if (to <= from) return 0;
  double inputs = 0;
  for (size_t i = from; i < to; ++i) inputs += f[i].inputs;
  double seconds = ToSeconds(f[to - 1].at - start);
  return seconds > 0 ? inputs / seconds : 0;
}

double TrialMeter::rate() const { return Rate(window_, 0, window_.size(), window_start_); }

double TrialMeter::spread() const {
  size_t n = window_.size();
  if (n < 4) return 1;  // too little to tell: assume the worst
  size_t mid = n / 2;
  double first = Rate(window_, 0, mid, window_start_);
  double second = Rate(window_, mid, n, window_[mid - 1].at);
  double sum = first + second;
  return sum > 0 ? std::fabs(first - second) / sum : 1;
}

}  // namespace coreflow
