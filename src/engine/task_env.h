#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/environment.h"

namespace coreflow {

// The envp every task gets: built once per run, with two entries rewritten per task
// (PARALLEL_SEQ and PARALLEL_JOBSLOT, as GNU parallel sets them), so starting a task does not
// copy the environment.
class TaskEnvironment {
 public:
  explicit TaskEnvironment(const Environment& base);
  // The pointer array points into the strings: a copy would point into the original.
  TaskEnvironment(const TaskEnvironment&) = delete;
  TaskEnvironment& operator=(const TaskEnvironment&) = delete;
  void SetTask(uint64_t seq, int slot);
  char* const* envp() { return pointers_.data(); }

 private:
  std::vector<std::string> entries_;
  std::string seq_;
  std::string slot_;
  std::vector<char*> pointers_;
};

}  // namespace coreflow
