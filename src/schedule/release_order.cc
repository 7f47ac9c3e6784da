#include "schedule/release_order.h"

namespace coreflow {

void ReleaseOrder::Finished(TaskId task, std::vector<TaskId>* out) {
  finished_.insert(task);
  Advance(out);
}

void ReleaseOrder::Split(TaskId task) { splits_[task]; }

void ReleaseOrder::AddInput(TaskId batch, TaskId task) {
  splits_[batch].inputs.push_back(task);
  split_inputs_.insert(task);
}

void ReleaseOrder::SplitQueued(TaskId batch, std::vector<TaskId>* out) {
  splits_[batch].queued = true;
  Advance(out);
}

void ReleaseOrder::Advance(std::vector<TaskId>* out) {
  while (true) {
    if (split_inputs_.erase(next_) > 0) {  // written already, in its batch's place
      Step();
      continue;
    }
    auto split = splits_.find(next_);
    if (split == splits_.end()) {
      if (finished_.erase(next_) == 0) return;
      out->push_back(next_);
      Step();
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
    Step();
  }
}

void ReleaseOrder::Flush(std::vector<TaskId>* out) {
  for (TaskId task : finished_) out->push_back(task);
  finished_.clear();
}

}  // namespace coreflow
