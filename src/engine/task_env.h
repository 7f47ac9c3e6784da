#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/environment.h"

namespace coreflow {

// The envp every task gets: built once per run, with a few entries rewritten per task
// (PARALLEL_SEQ and PARALLEL_JOBSLOT, as GNU parallel sets them, and in a run that shares out
// GPUs the device variables), so starting a task does not copy the environment.
class TaskEnvironment {
 public:
  // `gpus`: the run shares out GPUs, so every task is told its own (SetDevices), and none
  // inherits the devices coreflow was given.
  explicit TaskEnvironment(const Environment& base, bool gpus = false);
  // The pointer array points into the strings: a copy would point into the original.
  TaskEnvironment(const TaskEnvironment&) = delete;
  TaskEnvironment& operator=(const TaskEnvironment&) = delete;
  void SetTask(uint64_t seq, int slot);
  // The ids of the GPUs the task holds, comma-separated ("" hides every device), in
  // CUDA_VISIBLE_DEVICES, ROCR_VISIBLE_DEVICES and HIP_VISIBLE_DEVICES. Only with `gpus`.
  void SetDevices(std::string_view ids);
  char* const* envp() { return pointers_.data(); }

 private:
  static constexpr int kDeviceVariables = 3;
  std::vector<std::string> entries_;
  std::string seq_;
  std::string slot_;
  std::vector<std::string> devices_;  // one per device variable, with `gpus`
  std::vector<char*> pointers_;
};

}  // namespace coreflow
