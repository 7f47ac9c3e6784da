#include "schedule/release_order.h"

namespace coreflow {

void ReleaseOrder::Finished(uint64_t seq, std::vector<uint64_t>* out) {
  finished_.insert(seq);
  Advance(out);
}

void ReleaseOrder::Split(uint64_t seq) { splits_[seq]; }

void ReleaseOrder::AddInput(uint64_t batch, uint64_t seq) {
  splits_[batch].inputs.push_back(seq);
  split_inputs_.insert(seq);
}

void ReleaseOrder::SplitQueued(uint64_t batch, std::vector<uint64_t>* out) {
  splits_[batch].queued = true;
  Advance(out);
}

void ReleaseOrder::Advance(std::vector<uint64_t>* out) {
  while (true) {
    if (split_inputs_.erase(next_) > 0) {  // written already, in its batch's place
      ++next_;
      continue;
    }
    auto split = splits_.find(next_);
    if (split == splits_.end()) {
      if (finished_.erase(next_) == 0) return;
      out->push_back(next_++);
      continue;
    }
    SplitBatch& b = split->second;
    if (!b.own_released) {
      if (finished_.erase(next_) == 0) return;
      out->push_back(next_);
      b.own_released = true;
    }
    while (b.released < b.inputs.size() && finished_.erase(b.inputs[b.released]) > 0) {
      out->push_back(b.inputs[b.released++]);
    }
    if (!b.queued || b.released < b.inputs.size()) return;
    splits_.erase(split);
    ++next_;
  }
}

void ReleaseOrder::Flush(std::vector<uint64_t>* out) {
  for (uint64_t seq : finished_) out->push_back(seq);
  finished_.clear();
}

}  // namespace coreflow
