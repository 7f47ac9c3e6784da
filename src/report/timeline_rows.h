#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "report/run_data.h"

namespace coreflow {

// The rows of the HTML timeline: one per slot; in a pipeline one per (stage, slot), stage after
// stage; with several ranks (coreflow-mpi) one per (stage, rank, slot).
struct TimelineRows {
  std::vector<int> first;           // by group: the row before its slot 1
  int count = 0;                    // rows in all
  std::vector<std::string> labels;  // each row's name; empty for the plain "slot N"
  std::map<std::string, size_t> host_index;

  // The row `a` is drawn on (1-based).
  int Row(const AttemptData& a) const;

 private:
  friend TimelineRows RowsOf(const RunData& data, const std::vector<size_t>& rows);
  size_t Group(const AttemptData& a) const;
};

// The rows for the attempts at `rows` (indexes into data.attempts).
TimelineRows RowsOf(const RunData& data, const std::vector<size_t>& rows);

}  // namespace coreflow
