#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <vector>

#include "mpi/output_relay.h"

namespace coreflow {

// How rank 0 of coreflow-mpi writes what every rank's tasks print: each group as it comes, or,
// with -k, in input order across ranks. Rank 0 numbers the inputs as it deals them, so it
// knows which rank got which; each rank's engine runs with -k, so it releases its tasks in the
// order it got their inputs, and says how many inputs each task had. So the next group from a
// rank covers that rank's next inputs, and a group is written once every input before its
// first is covered by a group already written, or belongs to a rank that is done (an input a
// rank never ran). A pure state machine: no clock, no threads, no I/O but `write`.
class RankOutput {
 public:
  using Write = std::function<void(const OutputGroup&)>;
  RankOutput(int ranks, bool ordered, Write write);

  // Rank 0 dealt the next `count` inputs to `rank`.
  void Dealt(int rank, uint64_t count);
  // A group from `rank`: a task's output (group.inputs > 0, with -k) or anything else.
  void Received(int rank, OutputGroup group);
  // `rank` will send nothing more: inputs dealt to it and not covered were never run.
  void RankDone(int rank);

  uint64_t held() const { return held_.size(); }  // groups waiting for earlier inputs

 private:
  struct Run {  // inputs [first, first + count) went to one rank
    uint64_t first = 0;
    uint64_t count = 0;
  };
  void Cover(uint64_t input);
  void WriteWhatIsDue();

  bool ordered_;
  Write write_;
  uint64_t dealt_ = 0;                    // inputs dealt so far; the next gets this number
  std::vector<std::deque<Run>> runs_;     // per rank: its inputs no group covers yet
  std::vector<bool> done_;                // per rank
  uint64_t next_ = 0;                     // the first input not covered by a written group
  std::deque<bool> covered_;              // inputs from next_ on: covered by a group received
  std::map<uint64_t, OutputGroup> held_;  // by the first input each covers
};

}  // namespace coreflow
