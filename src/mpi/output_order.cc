#include "mpi/output_order.h"

#include <utility>

namespace coreflow {

RankOutput::RankOutput(int ranks, bool ordered, Write write)
    : ordered_(ordered),
      write_(std::move(write)),
      runs_(static_cast<size_t>(ranks > 0 ? ranks : 1)),
      done_(runs_.size(), false) {}

void RankOutput::Dealt(int rank, uint64_t count) {
  if (!ordered_ || count == 0 || rank < 0 || static_cast<size_t>(rank) >= runs_.size()) return;
  std::deque<Run>& runs = runs_[static_cast<size_t>(rank)];
  if (!runs.empty() && runs.back().first + runs.back().count == dealt_) {
    runs.back().count += count;  // the same rank again: one run
  } else {
    runs.push_back(Run{dealt_, count});
  }
  dealt_ += count;
  covered_.resize(dealt_ - next_, false);
  // Dealt to a rank that is done (it said goodbye early): nobody will run these.
  if (done_[static_cast<size_t>(rank)]) RankDone(rank);
}

void RankOutput::Received(int rank, OutputGroup group) {
  bool known = rank >= 0 && static_cast<size_t>(rank) < runs_.size();
  std::deque<Run>* runs = known ? &runs_[static_cast<size_t>(rank)] : nullptr;
  if (!ordered_ || group.inputs == 0 || runs == nullptr || runs->empty()) {
    if (!group.pieces.empty()) write_(group);  // no order to keep, or none known
    return;
  }
  uint64_t first = runs->front().first;
  for (uint64_t left = group.inputs; left > 0 && !runs->empty(); --left) {
    Run& run = runs->front();
    Cover(run.first);
    ++run.first;
    if (--run.count == 0) runs->pop_front();
  }
  if (!group.pieces.empty()) held_.emplace(first, std::move(group));
  WriteWhatIsDue();
}

void RankOutput::RankDone(int rank) {
  if (rank < 0 || static_cast<size_t>(rank) >= runs_.size()) return;
  done_[static_cast<size_t>(rank)] = true;
  for (const Run& run : runs_[static_cast<size_t>(rank)]) {
    for (uint64_t i = 0; i < run.count; ++i) Cover(run.first + i);
  }
  runs_[static_cast<size_t>(rank)].clear();
  WriteWhatIsDue();
}

void RankOutput::Cover(uint64_t input) {
  if (input >= next_ && input - next_ < covered_.size()) covered_[input - next_] = true;
}

void RankOutput::WriteWhatIsDue() {
  while (!covered_.empty() && covered_.front()) {
    if (auto it = held_.find(next_); it != held_.end()) {
      write_(it->second);
      held_.erase(it);
    }
    covered_.pop_front();
    ++next_;
  }
}

}  // namespace coreflow
