// The engine's side of declared outputs (--outputs): the rules are DeclaredOutputs'.
#include "engine/engine.h"

namespace coreflow {

void Engine::ExpandOutputs(TaskState& item) {
  OutputsOf(item.stage).Expand(item.input, &item.outputs, &item.refused);
}

void Engine::DiscardOutputs(TaskState& t, bool only_changed) {
  DeclaredOutputs& outputs = OutputsOf(t.stage);
  std::vector<std::string> warnings = only_changed ? outputs.DiscardFailed(t.outputs, t.before)
                                                   : outputs.DiscardCut(t.outputs, t.cut_before);
  for (const std::string& warning : warnings) Say(warning);
}

void Engine::CheckOutputs(TaskState& t, Outcome* outcome) {
  std::string missing = OutputsOf(t.stage).Missing(TaskId{t.input.seq}, t.outputs);
  if (missing.empty()) return;
  outcome->missing_output = true;
  t.error += missing;
}

}  // namespace coreflow
