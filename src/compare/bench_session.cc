#include "compare/bench_session.h"

#include <fmt/format.h>

#include <algorithm>

namespace coreflow {

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
                           BlockRunner* runner, std::function<double()> seconds_now)
    : options_(options),
      items_(std::move(items)),
      block_items_(std::max(block_items, 1)),
      runner_(runner),
      now_(std::move(seconds_now)) {
  options_.configs = std::max(options_.configs, 1);
}

std::vector<std::string> BenchSession::BlockOf(int round) const {
  std::vector<std::string> block;
  if (items_.empty()) return block;
  size_t first = static_cast<size_t>(round) * static_cast<size_t>(block_items_) % items_.size();
  for (int i = 0; i < block_items_; ++i) block.push_back(items_[(first + i) % items_.size()]);
  return block;
}

BenchResult BenchSession::Run() {
  TrialPlan plan(options_);
  result_ = BenchResult{};
  result_.block_items = block_items_;
  result_.failed.assign(static_cast<size_t>(options_.configs), 0);
  round_runs_.assign(static_cast<size_t>(options_.configs), BlockRun{});
  double start = now_();
  int done_in_round = 0;
  while (std::optional<Block> b = plan.Next(now_() - start)) {
    std::vector<std::string> items = BlockOf(b->round);
    BlockRun run = runner_->Run(b->config, b->round, items);
    if (!run.error.empty()) {
      result_.error = run.error;
      break;
    }
    for (const ItemOutcome& item : run.items) {
      if (item.exit != 0) ++result_.failed[static_cast<size_t>(b->config)];
    }
    plan.Record(*b, run.seconds, items.size());
    round_runs_[static_cast<size_t>(b->config)] = std::move(run);
    if (++done_in_round == options_.configs) {
      Compare(b->round, items);
      runner_->Forget(b->round);
      done_in_round = 0;
    }
  }
  result_.summary = plan.Summary();
  result_.elapsed_s = now_() - start;
  return result_;
}

void BenchSession::Compare(int /*round*/, const std::vector<std::string>& items) {
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
