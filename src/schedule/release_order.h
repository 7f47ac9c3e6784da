#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

namespace coreflow {

// -k: the order in which finished tasks' output may be written. Tasks go in input order; a
// batch that was split (--split-failed-batches) keeps its place, its own output first, then
// that of its inputs (tasks of their own, with later numbers) in their order.
class ReleaseOrder {
 public:
  // Task `seq` finished or was skipped; appends to *out what may be written now, in order.
  void Finished(uint64_t seq, std::vector<uint64_t>* out);
  // Batch `seq` is split: its place waits for the inputs queued next (Finished may follow).
  void Split(uint64_t seq);
  void AddInput(uint64_t batch, uint64_t seq);                   // one of them, as task `seq`
  void SplitQueued(uint64_t batch, std::vector<uint64_t>* out);  // all of them are queued
  // The run ends: whatever finished and is still held, by task number.
  void Flush(std::vector<uint64_t>* out);

 private:
  struct SplitBatch {
    std::vector<uint64_t> inputs;  // their tasks, in input order
    size_t released = 0;           // of those
    bool own_released = false;     // the batch's own output
    bool queued = false;           // every input is in `inputs`
  };
  void Advance(std::vector<uint64_t>* out);

  uint64_t next_ = 1;
  std::set<uint64_t> finished_;            // waiting for earlier tasks
  std::map<uint64_t, SplitBatch> splits_;  // by batch
  std::set<uint64_t> split_inputs_;        // written in their batch's place, skipped after
};

}  // namespace coreflow
