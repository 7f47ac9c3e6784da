#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/environment.h"

namespace coreflow {

// Memory the kernel can hand out without swapping, from `root`/proc/meminfo: MemAvailable, or
// MemFree + Buffers + Cached on kernels that lack it (before 3.14). False when the file cannot
// be read or holds neither.
bool ReadMemAvailable(const std::string& root, uint64_t* bytes);
// All of the machine's memory (MemTotal) from `root`/proc/meminfo: what MemAvailable can never
// exceed. False when it cannot be read.
bool ReadMemTotal(const std::string& root, uint64_t* bytes);

// How much memory new tasks may use, and which bound decided it. All sizes are in bytes.
struct MemoryBudget {
  // The smallest bound below minus a reserve of min(5 %, 512 MiB); 0 when no bound is known.
  uint64_t usable_bytes = 0;
  // MemAvailable (or its fallback); 0 when /proc/meminfo cannot be read.
  uint64_t mem_available = 0;
  // The least headroom (limit - usage) of any cgroup up the tree that has a memory limit.
  std::optional<uint64_t> cgroup_limit;
  // SLURM_MEM_PER_NODE, or SLURM_MEM_PER_CPU x SLURM_CPUS_ON_NODE.
  std::optional<uint64_t> slurm_limit;
  // The smallest bound: "cgroup memory.max", "cgroup memory.limit_in_bytes", "MemAvailable",
  // "MemFree+Buffers+Cached", "SLURM_MEM_PER_NODE" or "SLURM_MEM_PER_CPU"; empty when none.
  std::string source;
};

// Reads the cgroup limits and usage, /proc/meminfo and Slurm's memory variables. `root`
// prefixes /proc and /sys (tests). On a tie the earlier bound in the list above is named.
MemoryBudget DetectMemoryBudget(const Environment& env, const std::string& root = "");

}  // namespace coreflow
