#pragma once

#include <string>

#include "base/environment.h"

namespace coreflow {

// What this allocation may really use, and which limit decided it. Never `nproc` (it obeys
// OMP_NUM_THREADS) nor hardware_concurrency (it ignores affinity).
struct CpuBudget {
  int affinity_pus = 0;     // CPUs in sched_getaffinity
  double cgroup_quota = 0;  // smallest cgroup CPU quota up the tree, in CPUs; 0 = none
  std::string cgroup_file;  // the file that set it
  int slurm_cpus = 0;       // SLURM_CPUS_ON_NODE; 0 = not under Slurm
  int override_cpus = 0;    // COREFLOW_CORES; 0 = not set
  int usable = 1;           // the minimum of the above, at least 1; COREFLOW_CORES replaces it
  std::string limited_by;   // "CPU affinity", "cgroup CPU quota (FILE)", "SLURM_CPUS_ON_NODE", ...
};

// Combines the measured limits; pure so that tests can cover every case.
CpuBudget CombineCpuLimits(int affinity_pus, double cgroup_quota, const std::string& cgroup_file,
                           const Environment& env);

// Reads this process's affinity and cgroup limits. `root` prefixes /proc and /sys (tests).
CpuBudget DetectCpuBudget(const Environment& env, const std::string& root = "");

// The number of CPUs in this thread's affinity mask (at least 1).
int AffinityCpuCount();

}  // namespace coreflow
