#include "compare/trial_plan.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace coreflow {

TrialPlan::TrialPlan(TrialOptions options)
    : options_(options),
      random_(options.seed),
      round_times_(static_cast<size_t>(std::max(options.configs, 1)), 0),
      times_(round_times_.size()) {
  options_.configs = static_cast<int>(round_times_.size());
  order_.resize(round_times_.size());
}

std::optional<Block> TrialPlan::Next(double elapsed_s) {
  if (end_ != TrialEnd::kRunning) return std::nullopt;
  if (round_ < 0 || recorded_in_round_ == order_.size()) {
    StartRound(elapsed_s);
    if (end_ != TrialEnd::kRunning) return std::nullopt;
  }
  if (next_in_round_ == order_.size()) return std::nullopt;  // waiting for Record
  return Block{order_[next_in_round_++], round_};
}

void TrialPlan::StartRound(double elapsed_s) {
  if (options_.max_rounds > 0 && round_ + 1 >= options_.max_rounds) {
    end_ = TrialEnd::kItems;
    return;
  }
  if (options_.budget_s >= 0 && elapsed_s >= options_.budget_s && times_[0].size() >= 2) {
    end_ = TrialEnd::kBudget;
    return;
  }
  ++round_;
  std::iota(order_.begin(), order_.end(), 0);
  std::shuffle(order_.begin(), order_.end(), random_);
  next_in_round_ = 0;
  recorded_in_round_ = 0;
}

void TrialPlan::Record(const Block& block, double seconds, uint64_t items) {
  if (block.round != round_ || block.config < 0 || block.config >= options_.configs) return;
  round_times_[static_cast<size_t>(block.config)] =
      items > 0 ? seconds / static_cast<double>(items) : 0;
  if (++recorded_in_round_ == order_.size()) FinishRound();
}

void TrialPlan::FinishRound() {
  if (round_ < options_.warmup_rounds) return;
  for (size_t c = 0; c < times_.size(); ++c) times_[c].push_back(round_times_[c]);
  auto counted = static_cast<int>(times_[0].size());
  if (options_.precision <= 0 || counted < options_.min_rounds) return;
  for (size_t c = 1; c < times_.size(); ++c) {
    if (PairedRatioInterval(times_[0], times_[c]).RelativeHalfWidth() > options_.precision) {
      return;
    }
  }
  end_ = TrialEnd::kPrecise;
}

TrialSummary TrialPlan::Summary() const {
  TrialSummary s;
  s.rounds = static_cast<int>(times_[0].size());
  s.warmup_rounds = options_.warmup_rounds;
  s.end = end_;
  for (const std::vector<double>& t : times_) {
    Interval per_item = MeanInterval(t);
    s.seconds_per_item.push_back(per_item);
    // Items per second: the same interval seen from the other side.
    Interval rate;
    rate.estimate = per_item.estimate > 0 ? 1 / per_item.estimate : 0;
    rate.low = per_item.high > 0 ? 1 / per_item.high : 0;
    rate.high = per_item.low > 0 ? 1 / per_item.low : std::numeric_limits<double>::infinity();
    s.items_per_s.push_back(rate);
    s.ratio.push_back(PairedRatioInterval(times_[0], t));
  }
  return s;
}

}  // namespace coreflow
