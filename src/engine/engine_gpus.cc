// The engine's GPU side (docs/gpus.md): the scheduler says which devices a task holds, as a
// mask; tasks see their ids.
#include "engine/engine.h"

#include <fmt/format.h>

namespace coreflow {

bool Engine::CheckGpuField(const CommandTemplate& t, StageId stage, std::string* err) const {
  auto k = static_cast<size_t>(stage.value());
  bool asks = k < config_.schedule.stages.size() && config_.schedule.stages[k].gpus > 0;
  if (!t.uses_gpu || asks) return true;
  *err = fmt::format(
      "{} uses {{gpu}}, but its tasks ask for no GPU; add --gpus-per-task N (in a pipeline, "
      "gpus = N in the stage)",
      config_.pipeline.size() > 1 ? fmt::format("stage '{}'", config_.pipeline[k].name)
                                  : std::string("the command"));
  return false;
}

void Engine::GiveDevices(TaskState& t, uint64_t devices) {
  if (config_.gpu_ids.empty()) return;  // the device variables stay as they were
  t.input.gpus = GpuIdsOf(devices);     // {gpu}
  EnvOf(t.stage).SetDevices(t.input.gpus);
}

std::string Engine::GpuIdsOf(uint64_t devices) const {
  std::string ids;
  for (size_t i = 0; i < config_.gpu_ids.size() && i < 64; ++i) {
    if ((devices >> i & 1) == 0) continue;
    if (!ids.empty()) ids.push_back(',');
    ids += config_.gpu_ids[i];
  }
  return ids;
}

}  // namespace coreflow
