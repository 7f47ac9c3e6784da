#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/ids.h"
#include "base/time.h"
#include "schedule/gpu_pool.h"

namespace coreflow {

// What one task of a stage asks for. A plain run has one stage whose task holds one unit.
struct StageOptions {
  int cores = 1;          // units of the run's budget one task holds (its threads); 0: none (I/O)
  int slots = 0;          // at most this many of the stage's tasks at once; 0: as the budget allows
  Nanos timeout = -1;     // per attempt; -1: the run's (SchedulerOptions::timeout)
  int max_attempts = -1;  // -1: the run's
  bool timeout_from_began = false;  // its tasks say when they begin (warm workers: TaskBegan)
  int gpus = 0;                     // shares of the run's GPUs one task holds (GpuPool)
  // Warm workers: a slot takes its devices when it first starts and keeps them for the run,
  // so a worker never moves to another device.
  bool gpus_per_slot = false;
  // Prefetch: start no task while this many of the stage's tasks run plus items that passed
  // it wait for the next stage (0: no limit). A staging stage runs so far ahead, no further.
  int ahead = 0;
  // A staging stage: each task holds the bytes its copy takes on scratch (TaskQueued::scratch)
  // from its start until its item has left the pipeline (ScratchFreed).
  bool holds_scratch = false;
};

// A task StageQueues::Start took off a queue, and what it holds.
struct StartedTask {
  TaskId task;
  SlotId slot;
  uint64_t gpus = 0;  // the devices it holds (a GpuPool mask)
};

// The ready queues of a run's stages, apart from what the run has: a budget of cores (what
// -j sets) that every stage's tasks draw on. Each stage numbers its slots from 1 ({%}), so a
// warm worker or a CPU set belongs to one (stage, slot). A later stage goes first: finished
// items leave the pipeline early, and a stage whose items wait gets the cores the others leave.
class StageQueues {
 public:
  StageQueues(int budget, std::vector<StageOptions> stages, int gpu_devices = 0,
              uint64_t scratch_cap = 0);

  size_t stage_count() const { return stages_.size(); }
  int budget() const { return budget_; }
  // Tasks may start while more than this many cores are free (0 or less: none).
  int cores_free() const { return cores_free_; }
  const StageOptions& options(StageId stage) const { return At(stage).options; }

  // The bytes a queued task of a staging stage will hold on scratch (before it is pushed).
  void AskScratch(TaskId task, uint64_t bytes) { scratch_ask_[task] = bytes; }
  // The bytes `task` held are free again (its item left); nothing if it held none.
  void FreeScratch(TaskId task);
  uint64_t scratch_used() const { return scratch_used_; }
  void PushBack(StageId stage, TaskId task) {
    At(stage).ready.push_back(task);
    ++ready_total_;
  }
  void PushFront(StageId stage, TaskId task) {
    At(stage).ready.push_front(task);
    ++ready_total_;
  }
  // At position `index` of the stage's queue (the inputs of a split batch, in order).
  void InsertAt(StageId stage, size_t index, TaskId task);
  size_t ready(StageId stage) const { return At(stage).ready.size(); }
  int running(StageId stage) const { return At(stage).running; }  // started, not finished
  size_t ready_total() const { return ready_total_; }
  // Waiting in the stages after the first: items that the first stage let through.
  size_t ready_after_first() const { return ready_total_ - At(StageId(0)).ready.size(); }

  // The stage whose head task starts next, if one can start now. A stage whose tasks wait for
  // GPUs lets the stages before it go first; one that waits for cores does not.
  std::optional<StageId> Next() const;
  // Takes the head of `stage`'s queue (Next() said it can start) with a slot, its cores and
  // its GPUs.
  StartedTask Start(StageId stage);
  // Puts back what a task of `stage` held when it ends; a slot beyond the stage's count
  // (the budget shrank) is not reused.
  void Finish(StageId stage, SlotId slot, uint64_t gpus);
  const GpuPool& gpus() const { return gpus_; }
  // Items that passed `stage` and whose next task is not queued yet (+1, then -1): they count
  // as ahead of the next stage already.
  void Passing(StageId stage, int delta) { At(stage).passing += delta; }
  // The budget changes (online tuning; 0 pauses). `busy` lists the slots of running tasks.
  void SetBudget(int budget, const std::vector<std::pair<StageId, SlotId>>& busy);

 private:
  struct Stage {
    StageOptions options;
    std::deque<TaskId> ready;
    std::priority_queue<SlotId, std::vector<SlotId>, std::greater<SlotId>> free_slots;
    int slot_count = 0;               // slots 1..slot_count exist
    int cores = 1;                    // what a task holds: its ask, at most the whole budget
    std::vector<uint64_t> slot_gpus;  // gpus_per_slot: each slot's devices, by slot - 1
    int running = 0;
    int passing = 0;  // see Passing()
  };
  Stage& At(StageId stage) { return stages_[static_cast<size_t>(stage.value())]; }
  const Stage& At(StageId stage) const { return stages_[static_cast<size_t>(stage.value())]; }
  void Size(Stage& s);  // slot_count and cores from the budget
  bool GpusFit(const Stage& s) const;
  bool TooFarAhead(size_t stage) const;
  bool ScratchFits(const Stage& s) const;

  int budget_;
  int cores_free_;
  size_t ready_total_ = 0;
  std::vector<Stage> stages_;
  GpuPool gpus_;
  uint64_t scratch_cap_;  // bytes staging stages may hold on scratch at once (0: no cap)
  uint64_t scratch_used_ = 0;
  std::unordered_map<TaskId, uint64_t> scratch_ask_;   // queued, not started yet
  std::unordered_map<TaskId, uint64_t> scratch_held_;  // started, until FreeScratch
};

}  // namespace coreflow
