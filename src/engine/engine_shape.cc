// The engine's shape: how many tasks run at once, with how many threads, on which CPUs, and
// its change while a run goes on (an online tuner's Reshape).
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

void Engine::RebuildTaskEnvironment(bool explicit_threads) {
  Environment env = config_.environment;
  thread_variables_ = ApplyThreadVariables(config_.threads_per_task, explicit_threads, &env);
  if (!slot_masks_.empty()) {  // pinned: a task's threads spread over its own cores
    env.Set("OMP_PLACES", "cores");
    env.Set("OMP_PROC_BIND", "close");
  }
  for (const auto& [name, value] : config_.params) env.Set("COREFLOW_PARAM_" + name, value);
  task_env_ = std::make_unique<TaskEnvironment>(
      env, !config_.gpu_ids.empty());  // a running child has its own copy
}

void Engine::Reshape(const RunShape& shape) {
  if (shape.slots <= 0) {  // a pause changes nothing else: a task still let start has the old shape
    Dispatch(ev::SetSlots{0});
    return;
  }
  int slots = shape.slots;
  if (cgroups_ != nullptr && slots > cgroups_->slot_count()) {
    // Each slot's tasks are held to --mem-per-task by the slot's cgroup: more slots need more.
    if (int e = cgroups_->Grow(slots)) {
      slots = std::max(cgroups_->slot_count(), 1);
      Say(fmt::format("coreflow: cannot make a memory cgroup for slot {}: {}; at most {} at once\n",
                      slots + 1, ErrnoText(e), Plural(slots, "task")));
    }
  }
  bool was_pinned = !slot_masks_.empty();
  if (shape.batch > 0 && config_.batch.mode == BatchOptions::Mode::kCount) {
    sizer_->LimitInputs(std::min(shape.batch, config_.batch.max_inputs));
  }
  slot_masks_.clear();
  for (const auto& cpus : shape.slot_cpus) slot_masks_.emplace_back(cpus);
  bool params_changed = false;
  for (size_t i = 0; i < shape.params.size() && i < config_.params.size(); ++i) {
    params_changed = params_changed || config_.params[i].second != shape.params[i];
    config_.params[i].second = shape.params[i];  // tasks started from now on get them
  }
  if (params_changed) ++params_generation_;  // warm workers carry the old values
  bool threads_changed = shape.threads > 0 && shape.threads != config_.threads_per_task;
  if (threads_changed) config_.threads_per_task = shape.threads;
  if (threads_changed || params_changed || was_pinned != !slot_masks_.empty()) {
    RebuildTaskEnvironment(/*explicit_threads=*/true);
  }
  if (journal_ != nullptr) {  // so a report of the journal knows the shape
    std::string e;
    if (!journal_->Reshaped(slots, config_.threads_per_task, sizer_->max_inputs(),
                            !slot_masks_.empty(), now_, &e)) {
      OnJournalError(e);
    }
  }
  Dispatch(ev::SetSlots{slots});
  runner_->SetSlots(slots);
}

}  // namespace coreflow
