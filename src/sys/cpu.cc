#include "sys/cpu.h"

#include <sched.h>

#include <cerrno>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "base/parse.h"
#include "sys/cgroup.h"

namespace coreflow {
namespace {

int PositiveIntVar(const Environment& env, const char* name) {
  const std::string* v = env.Get(name);
  int64_t n = 0;
  if (v == nullptr || !ParseInt(*v, &n) || n <= 0 || n > 1'000'000) return 0;
  return static_cast<int>(n);
}

}  // namespace

int AffinityCpuCount() {
  // Masks grow with the machine; retry with a larger set until the kernel accepts it.
  for (size_t cpus = 1024; cpus <= (1u << 20); cpus *= 4) {
    cpu_set_t* set = CPU_ALLOC(cpus);
    if (set == nullptr) break;
    size_t size = CPU_ALLOC_SIZE(cpus);
    CPU_ZERO_S(size, set);
    if (sched_getaffinity(0, size, set) == 0) {
      int n = CPU_COUNT_S(size, set);
      CPU_FREE(set);
      return n > 0 ? n : 1;
    }
    CPU_FREE(set);
    if (errno != EINVAL) break;
  }
  return 1;
}

CpuBudget CombineCpuLimits(int affinity_pus, double cgroup_quota, const std::string& cgroup_file,
                           const Environment& env) {
  CpuBudget b;
  b.affinity_pus = affinity_pus > 0 ? affinity_pus : 1;
  b.cgroup_quota = cgroup_quota;
  b.cgroup_file = cgroup_file;
  b.slurm_cpus = PositiveIntVar(env, "SLURM_CPUS_ON_NODE");
  b.override_cpus = PositiveIntVar(env, "COREFLOW_CORES");

  b.usable = b.affinity_pus;
  b.limited_by = "CPU affinity";
  if (cgroup_quota > 0) {
    // A quota of 2.5 CPUs keeps 2 busy workers at full speed; round down, but never to 0.
    int quota = std::max(1, static_cast<int>(std::floor(cgroup_quota + 1e-9)));
    if (quota < b.usable) {
      b.usable = quota;
      b.limited_by = fmt::format("cgroup CPU quota ({})", cgroup_file);
    }
  }
  if (b.slurm_cpus > 0 && b.slurm_cpus < b.usable) {
    b.usable = b.slurm_cpus;
    b.limited_by = "SLURM_CPUS_ON_NODE";
  }
  if (b.override_cpus > 0) {
    b.usable = b.override_cpus;
    b.limited_by = "COREFLOW_CORES";
  }
  return b;
}

CpuBudget DetectCpuBudget(const Environment& env, const std::string& root) {
  std::string file;
  double quota = CgroupCpuQuota(root, &file);
  return CombineCpuLimits(AffinityCpuCount(), quota, file, env);
}

}  // namespace coreflow
