#include "engine/memory_guard.h"

#include <utility>

#include <fmt/format.h>

namespace coreflow {
namespace {

double Gib(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024 * 1024); }

}  // namespace

MemoryGuard::MemoryGuard(MemorySampler* sampler, MemoryLimits limits, Nanos interval)
    : sampler_(sampler), limits_(limits), interval_(interval) {}

void MemoryGuard::EnforceInKernel(std::string cgroup_path) {
  in_kernel_ = true;
  cgroup_path_ = std::move(cgroup_path);
}

void MemoryGuard::TaskStarting(TaskId task, SlotId slot, uint64_t limit, uint64_t number) {
  if (limit > 0 && limit != limits_.per_task) own_limits_ = true;
  Running& r = running_[task];
  r = Running{};
  r.slot = slot;
  r.limit = limit > 0 ? limit : limits_.per_task;
  r.number = number > 0 ? number : task.value();
  if (in_kernel_) r.oom_kills = sampler_->OomKills(slot);
}

void MemoryGuard::TaskRunning(TaskId task, int pgid) {
  if (!samples_rss()) return;
  running_[task].pgid = pgid;
  sampler_->Watch(pgid);
}

void MemoryGuard::TaskNotStarted(TaskId task) { running_.erase(task); }

bool MemoryGuard::TaskExited(TaskId task, std::string* message) {
  auto it = running_.find(task);
  if (it == running_.end()) return false;
  Running r = it->second;
  running_.erase(it);
  if (r.pgid != 0) sampler_->Unwatch(r.pgid);
  // The kernel may end any process of the task, so a shell may still exit normally: the
  // slot's kill count says what happened.
  if (in_kernel_ && sampler_->OomKills(r.slot) > r.oom_kills) {
    r.over_memory = true;
    *message += fmt::format(
        "coreflow: task {} was killed: over memory limit (--mem-per-task {:.2f} GiB, enforced by "
        "the kernel in cgroup {}/slot-{})\n",
        r.number, Gib(limits_.per_task), cgroup_path_, r.slot.value());
  }
  return r.over_memory;
}

bool MemoryGuard::CheckIfDue(Nanos now, MemoryVerdict* verdict) {
  if (now < next_check_) return false;
  *verdict = Check();
  next_check_ = now + interval_;
  return true;
}

MemoryVerdict MemoryGuard::Check() {
  MemoryVerdict verdict;
  if (enforce_rss() && Sample()) KillOverLimit(&verdict);
  if (limits_.free > 0) CheckAvailable(&verdict);
  return verdict;
}

void MemoryGuard::SampleForObservers() {
  if (samples_rss() && !enforce_rss()) Sample();
}

bool MemoryGuard::Sample() {
  // Orphans that escaped a task's group count as the task's: the sampler knows them.
  if (!sampler_->SampleGroups(&rss_by_group_)) return false;
  running_rss_ = 0;
  for (const auto& [pgid, bytes] : rss_by_group_) running_rss_ += bytes;
  rss_known_ = true;
  return true;
}

void MemoryGuard::KillOverLimit(MemoryVerdict* verdict) {
  for (auto& [task, r] : running_) {
    if (r.pgid == 0 || r.over_memory || r.limit == 0) continue;
    auto it = rss_by_group_.find(r.pgid);
    if (it == rss_by_group_.end() || it->second <= r.limit) continue;
    r.over_memory = true;
    verdict->kills.push_back(MemoryKill{
        task, fmt::format("coreflow: task {} was killed: over memory limit ({:.2f} GiB resident, "
                          "--mem-per-task {:.2f} GiB)\n",
                          r.number, Gib(it->second), Gib(r.limit))});
  }
}

void MemoryGuard::CheckAvailable(MemoryVerdict* verdict) {
  uint64_t available = 0;
  if (!sampler_->MemAvailable(&available)) return;
  // GNU parallel's rule: below half of --memfree, the youngest task makes room.
  verdict->critical = available < limits_.free / 2;
  bool low = available < limits_.free;
  if (low == memory_low_) return;
  memory_low_ = low;
  verdict->low = low;
  if (low) {
    verdict->message = fmt::format(
        "coreflow: waiting to start tasks: {:.2f} GiB available, --memfree {:.2f} GiB\n",
        Gib(available), Gib(limits_.free));
  }
}

}  // namespace coreflow
