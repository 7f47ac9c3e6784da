// The engine's side of the memory guard: it carries out what the guard decided.
#include "engine/engine.h"

#include <signal.h>

namespace coreflow {

void Engine::CarryOut(const MemoryVerdict& verdict) {
  for (const MemoryKill& kill : verdict.kills) {
    if (auto it = tasks_.find(kill.task.value()); it != tasks_.end()) {
      it->second.error += kill.message;
    }
    runner_->Signal(kill.task.value(), SIGKILL);
  }
  if (verdict.critical) Dispatch(ev::MemoryCritical{});
  if (!verdict.message.empty()) Say(verdict.message);
  if (verdict.low) Dispatch(ev::MemoryLow{*verdict.low});
}

}  // namespace coreflow
