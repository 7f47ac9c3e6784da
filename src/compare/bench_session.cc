#include "compare/bench_session.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace coreflow {

std::string RatioVerdict(const Interval& r) {
  if (!std::isfinite(r.high)) return "";
  if (r.high < 1) return fmt::format("{:.2f}x faster", 1 / r.estimate);
  if (r.low > 1) return fmt::format("{:.2f}x slower", r.estimate);
  return "no difference shown";
}

bool BlockRunner::Same(const ItemOutcome& first, const ItemOutcome& other, std::string* why) {
  if (first.exit != other.exit) {
    *why = fmt::format("exit status {} instead of {}", other.exit, first.exit);
    return false;
  }
  if (first.bytes != other.bytes || first.output != other.output) {
    *why = fmt::format("other output ({} bytes instead of {})", other.bytes, first.bytes);
    return false;
  }
  return true;
}

BenchSession::BenchSession(TrialOptions options, std::vector<std::string> items, int block_items,
                           BlockRunner* runner, std::function<double()> seconds_now,
                           double target_block_s)
    : options_(options),
      items_(std::move(items)),
      block_items_(std::clamp(block_items, 1, std::max(static_cast<int>(items_.size()), 1))),
      target_block_s_(target_block_s),
      runner_(runner),
      now_(std::move(seconds_now)) {
  options_.configs = std::max(options_.configs, 1);
}

std::vector<std::string> BenchSession::NextBlock() {
  std::vector<std::string> block;
  if (items_.empty()) return block;
  for (int i = 0; i < block_items_; ++i) {
    block.push_back(items_[next_item_]);
    next_item_ = (next_item_ + 1) % items_.size();
  }
  return block;
}

void BenchSession::Resize() {
  double slowest = 0;  // seconds per item
  for (const BlockRun& run : round_runs_) {
    slowest = std::max(slowest, run.seconds / static_cast<double>(block_items_));
  }
  if (target_block_s_ <= 0 || slowest * block_items_ >= target_block_s_) return;
  double wanted = slowest > 0 ? std::ceil(target_block_s_ / slowest) : 1e9;
  double most = static_cast<double>(items_.size());
  block_items_ = static_cast<int>(std::clamp(wanted, static_cast<double>(block_items_), most));
}

BenchResult BenchSession::Run() {
  TrialPlan plan(options_);
  result_ = BenchResult{};
  result_.failed.assign(static_cast<size_t>(options_.configs), 0);
  round_runs_.assign(static_cast<size_t>(options_.configs), BlockRun{});
  std::vector<double> counted;  // block times of counted rounds
  double start = now_();
  int done_in_round = 0;
  std::vector<std::string> items;
  while (std::optional<Block> b = plan.Next(now_() - start)) {
    if (done_in_round == 0) items = NextBlock();
    BlockRun run = runner_->Run(b->config, b->round, items);
    if (!run.error.empty()) {
      result_.error = run.error;
      break;
    }
    for (const ItemOutcome& item : run.items) {
      if (item.exit != 0) ++result_.failed[static_cast<size_t>(b->config)];
    }
    plan.Record(*b, run.seconds, items.size());
    if (b->round >= options_.warmup_rounds) counted.push_back(run.seconds);
    round_runs_[static_cast<size_t>(b->config)] = std::move(run);
    if (++done_in_round == options_.configs) {
      Compare(items);
      runner_->Forget(b->round);
      if (b->round == 0) Resize();
      done_in_round = 0;
      if (on_round_) on_round_(b->round, now_() - start);
    }
  }
  result_.block_items = block_items_;
  if (!counted.empty()) {
    std::nth_element(counted.begin(), counted.begin() + counted.size() / 2, counted.end());
    result_.median_block_s = counted[counted.size() / 2];
  }
  result_.summary = plan.Summary();
  result_.elapsed_s = now_() - start;
  return result_;
}

void BenchSession::Compare(const std::vector<std::string>& items) {
  const BlockRun& first = round_runs_[0];
  for (size_t c = 1; c < round_runs_.size(); ++c) {
    const BlockRun& other = round_runs_[c];
    for (size_t i = 0; i < items.size(); ++i) {
      ++result_.items_compared;
      std::string why;
      bool same = i < first.items.size() && i < other.items.size()
                      ? runner_->Same(first.items[i], other.items[i], &why)
                      : (why = "no outcome", false);
      if (same) continue;
      ++result_.difference_count;
      if (result_.differences.size() < kMaxDifferences) {
        result_.differences.push_back({items[i], static_cast<int>(c), why});
      }
    }
  }
}

}  // namespace coreflow
