#include "engine/task_env.h"

#include <fmt/format.h>

namespace coreflow {
namespace {

// What CUDA, ROCm's runtime and HIP read, in that order.
constexpr const char* kDeviceNames[] = {"CUDA_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES",
                                        "HIP_VISIBLE_DEVICES"};

}  // namespace

TaskEnvironment::TaskEnvironment(const Environment& base, bool gpus) {
  Environment env = base;
  env.Unset("PARALLEL_SEQ");
  env.Unset("PARALLEL_JOBSLOT");
  if (gpus) {
    for (const char* name : kDeviceNames) env.Unset(name);
    devices_.resize(kDeviceVariables);
  }
  entries_ = env.Entries();
  for (std::string& e : entries_) pointers_.push_back(e.data());
  pointers_.push_back(nullptr);  // PARALLEL_SEQ
  pointers_.push_back(nullptr);  // PARALLEL_JOBSLOT
  for (size_t i = 0; i < devices_.size(); ++i) pointers_.push_back(nullptr);
  pointers_.push_back(nullptr);  // terminator
  SetTask(0, 0);
  if (gpus) SetDevices("");
}

void TaskEnvironment::SetTask(uint64_t seq, int slot) {
  seq_ = fmt::format("PARALLEL_SEQ={}", seq);
  slot_ = fmt::format("PARALLEL_JOBSLOT={}", slot);
  size_t n = entries_.size();
  pointers_[n] = seq_.data();
  pointers_[n + 1] = slot_.data();
}

void TaskEnvironment::SetDevices(std::string_view ids) {
  size_t n = entries_.size() + 2;
  for (size_t i = 0; i < devices_.size(); ++i) {
    devices_[i] = fmt::format("{}={}", kDeviceNames[i], ids);
    pointers_[n + i] = devices_[i].data();
  }
}

}  // namespace coreflow
