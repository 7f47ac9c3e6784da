#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "base/ids.h"

namespace coreflow {

// -k: the order in which finished tasks' output may be written. Tasks go in input order; a
// batch that was split (--split-failed-batches) keeps its place, its own output first, then
// that of its inputs (tasks of their own, with later numbers) in their order.
class ReleaseOrder {
 public:
  // Task `task` finished or was skipped; appends to *out what may be written now, in order.
  void Finished(TaskId task, std::vector<TaskId>* out);
  // Batch `task` is split: its place waits for the inputs queued next (Finished may follow).
  void Split(TaskId task);
  void AddInput(TaskId batch, TaskId task);                  // one of them, as task `task`
  void SplitQueued(TaskId batch, std::vector<TaskId>* out);  // all of them are queued
  // The run ends: whatever finished and is still held, by task number.
  void Flush(std::vector<TaskId>* out);

 private:
  struct SplitBatch {
    std::vector<TaskId> inputs;  // their tasks, in input order
    size_t released = 0;         // of those
    bool own_released = false;   // the batch's own output
    bool queued = false;         // every input is in `inputs`
  };
  void Advance(std::vector<TaskId>* out);
  void Step() { next_ = TaskId(next_.value() + 1); }

  TaskId next_{1};
  std::set<TaskId> finished_;            // waiting for earlier tasks
  std::map<TaskId, SplitBatch> splits_;  // by batch
  std::set<TaskId> split_inputs_;        // written in their batch's place, skipped after
};

}  // namespace coreflow
