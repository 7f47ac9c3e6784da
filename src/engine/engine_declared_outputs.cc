// The engine's declared outputs (--outputs): their paths, checks and cleanup.
#include "engine/engine.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "base/plural.h"
#include "engine/results_dir.h"
#include "exec/output_buffer.h"
#include "exec/worker_protocol.h"
#include "plan/expand.h"
#include "plan/output_path.h"
#include "sys/clock.h"
#include "sys/fd.h"
#include "sys/memory.h"

namespace coreflow {

void Engine::ExpandOutputs(TaskState& item) {
  for (size_t i = 0; i < output_templates_.size(); ++i) {
    std::string path = ExpandPath(output_templates_[i], item.input);
    if (item.refused.empty() && !StaysWithin(path, output_dirs_[i])) {
      item.refused = fmt::format(
          "coreflow: input '{}' was not run: its output '{}' (--outputs '{}') is outside '{}/'\n",
          item.input.items.empty() || item.input.items[0].empty() ? "" : item.input.items[0][0],
          path, config_.outputs[i], output_dirs_[i]);
    }
    item.outputs.push_back(std::move(path));
  }
}

void Engine::DiscardOutputs(TaskState& t, bool only_changed) {
  for (size_t i = 0; i < t.outputs.size(); ++i) {
    const std::string& path = t.outputs[i];
    FileIdentity now = StatFile(path);
    if (!now.exists) continue;
    // What was there before the attempt and is untouched is not the attempt's doing.
    if (only_changed && i < t.before.size() && t.before[i] == now) continue;
    // After a crash: what the cut attempt found there, if the journal says, and left alone.
    if (!only_changed && i < t.cut_before.size() && t.cut_before[i] &&
        SameFileState(*t.cut_before[i], now)) {
      continue;
    }
    // Never outside the directory the template names (a value holding '..').
    size_t which = output_templates_.empty() ? 0 : i % output_templates_.size();
    if (which < output_dirs_.size() && !StaysWithin(path, output_dirs_[which])) continue;
    int e = config_.keep_failed_outputs ? MovePath(path, path + ".failed") : RemoveFile(path);
    if (e != 0) {
      Say(fmt::format("coreflow: warning: cannot {} partial output '{}': {}\n",
                      config_.keep_failed_outputs ? "move aside" : "remove", path, ErrnoText(e)));
    }
  }
}

void Engine::CheckOutputs(uint64_t seq, TaskState& t, Outcome* outcome) {
  for (const std::string& path : t.outputs) {
    if (StatFile(path).exists) continue;
    outcome->missing_output = true;
    t.error +=
        fmt::format("coreflow: task {} exited 0 but did not write its output '{}'\n", seq, path);
  }
}

}  // namespace coreflow
