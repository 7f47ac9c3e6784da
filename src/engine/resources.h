#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sys/cpu.h"

namespace coreflow {

// GNU parallel's -j: N, N% of the cores, +N or -N relative to the cores, 0 for "as many as
// possible".
struct JobsSpec {
  enum class Kind { kAbsolute, kPercent, kRelative, kMax };
  Kind kind = Kind::kAbsolute;
  double value = 0;
};

bool ParseJobs(std::string_view text, JobsSpec* out, std::string* err);

// How many tasks run at once and how many threads each gets, and where each number came from.
struct ResourcePlan {
  int slots = 1;
  int threads = 1;
  std::string slots_source;
  std::string threads_source;
  bool oversubscribed = false;  // slots x threads > usable cores
};

// -j 0 runs this many tasks at once (tasks that mostly wait: downloads, remote calls).
inline constexpr int kMaxSlotsForJobsZero = 256;

// Rules: -t T alone gives floor(cores / T) slots; -j alone gives max(1, cores / slots) threads;
// neither gives one slot per usable core and one thread per task.
ResourcePlan PlanResources(const std::optional<JobsSpec>& jobs, int threads_flag,
                           const CpuBudget& cpus);

// --mem-per-task: at most floor(usable / per_task) tasks at once fit in memory. Lowers
// plan->slots (saying so in slots_source) and returns true, or returns false with *err when not
// even one task fits.
bool CapSlotsByMemory(uint64_t per_task, uint64_t usable, const std::string& usable_source,
                      ResourcePlan* plan, std::string* err);

// The warning to print when the plan oversubscribes the cores, or "".
std::string OversubscriptionWarning(const ResourcePlan& plan, const CpuBudget& cpus);

}  // namespace coreflow
