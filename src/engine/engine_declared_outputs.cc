// The engine's side of declared outputs (--outputs): the rules are DeclaredOutputs'.
#include "engine/engine.h"

namespace coreflow {

void Engine::ExpandOutputs(TaskState& item) {
  outputs_.Expand(item.input, &item.outputs, &item.refused);
}

void Engine::DiscardOutputs(TaskState& t, bool only_changed) {
  std::vector<std::string> warnings = only_changed ? outputs_.DiscardFailed(t.outputs, t.before)
                                                   : outputs_.DiscardCut(t.outputs, t.cut_before);
  for (const std::string& warning : warnings) Say(warning);
}

void Engine::CheckOutputs(uint64_t seq, TaskState& t, Outcome* outcome) {
  std::string missing = outputs_.Missing(TaskId{seq}, t.outputs);
  if (missing.empty()) return;
  outcome->missing_output = true;
  t.error += missing;
}

}  // namespace coreflow
