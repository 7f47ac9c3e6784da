// The engine's memory guard: --memfree, the RSS watchdog and the slot cgroups' OOM kills.
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

bool Engine::SampleRunningMemory() {
  // Orphans that escaped a task's group count as the task's: the runner knows them by tag.
  if (!rss_->Sample(&rss_by_group_, [this](int pid) { return runner_->OrphanGroup(pid); })) {
    return false;
  }
  running_rss_ = 0;
  for (const auto& [pgid, bytes] : rss_by_group_) running_rss_ += bytes;
  rss_known_ = true;
  return true;
}

void Engine::WatchMemory() {
  auto gib = [](uint64_t b) { return static_cast<double>(b) / (1024.0 * 1024 * 1024); };
  if (enforce_rss_ && SampleRunningMemory()) {
    for (auto& [seq, t] : tasks_) {
      if (t.pgid == 0 || t.over_memory) continue;
      auto it = rss_by_group_.find(t.pgid);
      if (it == rss_by_group_.end() || it->second <= config_.mem_per_task) continue;
      t.over_memory = true;
      t.error += fmt::format(
          "coreflow: task {} was killed: over memory limit ({:.2f} GiB resident, "
          "--mem-per-task {:.2f} GiB)\n",
          seq, gib(it->second), gib(config_.mem_per_task));
      runner_->Signal(seq, SIGKILL);
    }
  }
  uint64_t available = 0;
  if (config_.memfree > 0 && ReadMemAvailable(config_.meminfo_root, &available)) {
    // GNU parallel's rule: below half of --memfree, the youngest task makes room.
    if (available < config_.memfree / 2) Dispatch(ev::MemoryCritical{});
    bool low = available < config_.memfree;
    if (low == memory_low_) return;
    memory_low_ = low;
    if (low) {
      Say(
          fmt::format("coreflow: waiting to start tasks: {:.2f} GiB available, --memfree {:.2f} "
                      "GiB\n",
                      gib(available), gib(config_.memfree)));
    }
    Dispatch(ev::MemoryLow{low});
  }
}

void Engine::CheckCgroupOom(uint64_t seq, TaskState& t) {
  // The kernel may end any process of the task, so a shell may still exit normally: the
  // slot's kill count says what happened.
  if (cgroups_->OomKills(t.slot) <= t.oom_kills) return;
  t.over_memory = true;
  t.error += fmt::format(
      "coreflow: task {} was killed: over memory limit (--mem-per-task {:.2f} GiB, enforced by "
      "the kernel in cgroup {}/slot-{})\n",
      seq, static_cast<double>(config_.mem_per_task) / (1024.0 * 1024 * 1024), cgroups_->path(),
      t.slot);
}

}  // namespace coreflow
