#include "schedule/stage_queues.h"

#include <algorithm>

namespace coreflow {

StageQueues::StageQueues(int budget, std::vector<StageOptions> stages, int gpu_devices,
                         uint64_t scratch_cap)
    : budget_(std::max(budget, 0)),
      cores_free_(budget_),
      gpus_(gpu_devices),
      scratch_cap_(scratch_cap) {
  if (stages.empty()) stages.push_back(StageOptions{});
  for (const StageOptions& o : stages) {
    Stage s;
    s.options = o;
    Size(s);
    for (int i = 1; i <= s.slot_count; ++i) s.free_slots.push(SlotId(i));
    stages_.push_back(std::move(s));
  }
}

void StageQueues::Size(Stage& s) {
  if (s.options.cores <= 0) {  // holds no core: as many at once as it says
    s.cores = 0;
    s.slot_count = s.options.slots > 0 ? s.options.slots : std::max(budget_, 1);
    return;
  }
  // A task that asks for more than the whole budget runs alone rather than never.
  s.cores = std::clamp(s.options.cores, 1, std::max(budget_, 1));
  s.slot_count = budget_ / s.cores;
  if (s.options.slots > 0) s.slot_count = std::min(s.slot_count, s.options.slots);
}

bool StageQueues::TooFarAhead(size_t stage) const {
  const Stage& s = stages_[stage];
  if (s.options.ahead <= 0 || stage + 1 >= stages_.size()) return false;
  size_t waiting = stages_[stage + 1].ready.size();
  return static_cast<size_t>(s.running + s.passing) + waiting >=
         static_cast<size_t>(s.options.ahead);
}

void StageQueues::InsertAt(StageId stage, size_t index, TaskId task) {
  std::deque<TaskId>& q = At(stage).ready;
  q.insert(q.begin() + static_cast<std::ptrdiff_t>(std::min(index, q.size())), task);
  ++ready_total_;
}

bool StageQueues::GpusFit(const Stage& s) const {
  if (s.options.gpus <= 0) return true;
  // Slots take devices lowest first and keep them, so the lowest free slot holds some when
  // any free slot does.
  auto slot = static_cast<size_t>(s.free_slots.top().value());
  if (s.options.gpus_per_slot && slot <= s.slot_gpus.size() && s.slot_gpus[slot - 1] != 0) {
    return true;
  }
  return gpus_.Fits(s.options.gpus);
}

bool StageQueues::ScratchFits(const Stage& s) const {
  if (!s.options.holds_scratch || scratch_cap_ == 0) return true;
  auto it = scratch_ask_.find(s.ready.front());
  uint64_t ask = it == scratch_ask_.end() ? 0 : it->second;  // a retry holds its bytes already
  return scratch_used_ + ask <= scratch_cap_;
}

void StageQueues::FreeScratch(TaskId task) {
  auto it = scratch_held_.find(task);
  if (it == scratch_held_.end()) return;
  scratch_used_ -= std::min(scratch_used_, it->second);
  scratch_held_.erase(it);
}

std::optional<StageId> StageQueues::Next() const {
  for (size_t i = stages_.size(); i-- > 0;) {
    const Stage& s = stages_[i];
    if (s.ready.empty() || s.free_slots.empty()) continue;  // nothing to start, or at its cap
    // A stage that waits for GPUs lets others use the cores: no GPU sits idle while a task
    // that fits waits.
    if (!GpusFit(s) || TooFarAhead(i) || !ScratchFits(s)) continue;
    // The latest stage with work waits for cores rather than let earlier ones take them.
    if (s.cores > cores_free_) return std::nullopt;
    return StageId(static_cast<int>(i));
  }
  return std::nullopt;
}

StartedTask StageQueues::Start(StageId stage) {
  Stage& s = At(stage);
  StartedTask t;
  t.task = s.ready.front();
  s.ready.pop_front();
  --ready_total_;
  t.slot = s.free_slots.top();
  s.free_slots.pop();
  cores_free_ -= s.cores;
  ++s.running;
  if (auto it = scratch_ask_.find(t.task); it != scratch_ask_.end()) {
    scratch_used_ += it->second;
    scratch_held_[t.task] = it->second;
    scratch_ask_.erase(it);
  }
  if (s.options.gpus > 0) {
    auto k = static_cast<size_t>(t.slot.value()) - 1;
    if (!s.options.gpus_per_slot) {
      t.gpus = gpus_.Take(s.options.gpus);
    } else {
      if (s.slot_gpus.size() <= k) s.slot_gpus.resize(k + 1, 0);
      if (s.slot_gpus[k] == 0) s.slot_gpus[k] = gpus_.Take(s.options.gpus);
      t.gpus = s.slot_gpus[k];
    }
  }
  return t;
}

void StageQueues::Finish(StageId stage, SlotId slot, uint64_t gpus) {
  Stage& s = At(stage);
  cores_free_ += s.cores;
  --s.running;
  if (!s.options.gpus_per_slot) gpus_.Give(gpus, s.options.gpus);  // else the slot keeps them
  if (slot.value() <= s.slot_count) s.free_slots.push(slot);
}

void StageQueues::SetBudget(int budget, const std::vector<std::pair<StageId, SlotId>>& busy) {
  budget_ = std::max(budget, 0);
  cores_free_ = budget_;
  for (Stage& s : stages_) {
    Size(s);
    s.free_slots = {};
  }
  std::vector<std::vector<bool>> taken(stages_.size());
  for (auto [stage, slot] : busy) {
    Stage& s = At(stage);
    cores_free_ -= s.cores;
    auto& t = taken[static_cast<size_t>(stage.value())];
    if (t.size() <= static_cast<size_t>(slot.value())) t.resize(slot.value() + 1, false);
    t[static_cast<size_t>(slot.value())] = true;
  }
  for (size_t i = 0; i < stages_.size(); ++i) {
    for (int n = 1; n <= stages_[i].slot_count; ++n) {
      bool is_taken = static_cast<size_t>(n) < taken[i].size() && taken[i][static_cast<size_t>(n)];
      if (!is_taken) stages_[i].free_slots.push(SlotId(n));
    }
  }
}

}  // namespace coreflow
