#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/environment.h"
#include "sys/gpu.h"

namespace coreflow {

// GPU slots (docs/gpus.md): which devices a run shares out, and what one task asks of them.

// A task's ask as shares of one device (kGpuWhole each): "1", "2" (whole devices) or "0.5"
// (a share of one). `what` names it in the error: "--gpus-per-task", "stage 'fold': gpus".
bool GpuAskShares(double gpus, std::string_view what, int* shares, std::string* err);
bool ParseGpuAsk(std::string_view text, std::string_view what, int* shares, std::string* err);

// The ids of --gpus LIST: comma-separated, each named once, at most kMaxGpus.
bool ParseGpuList(std::string_view text, std::vector<std::string>* ids, std::string* err);

// The device list the environment gives a job (CUDA_VISIBLE_DEVICES, then ROCR_VISIBLE_DEVICES
// and HIP_VISIBLE_DEVICES), as its entries; false when none of them is set. An empty list or
// "-1" hides every device (an empty *ids).
bool VisibleDevicesFromEnvironment(const Environment& env, std::vector<std::string>* ids,
                                   std::string* which);

// The ids nvidia-smi's GPUs are given to tasks by: their MIG devices where partitioned, else
// the GPU's UUID (its index when it has none). A UUID names the same device whatever the
// order CUDA numbers them in.
std::vector<std::string> DeviceIds(const GpuList& found);

// Whether a task asking `shares` can ever run on `devices` devices; else an error naming
// `what` and where the devices came from (`source`).
bool CheckGpuAsk(int shares, std::string_view what, size_t devices, std::string_view source,
                 std::string* err);

}  // namespace coreflow
