#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace coreflow {

// One processing unit (hardware thread) that this process may run on, with the groups it
// belongs to. Ids are dense indexes (0, 1, ...) in the order hwloc lists the objects, except
// `os_index`, the number the kernel uses (sched_setaffinity, Cpus_allowed_list).
struct ProcessingUnit {
  int os_index = 0;
  int core = 0;     // physical core: SMT siblings share it
  int l3 = 0;       // last-level cache group (an L3, or the package where there is none)
  int numa = 0;     // NUMA node
  int package = 0;  // socket
};

struct CacheLevel {
  int depth = 0;       // 1, 2, 3
  uint64_t bytes = 0;  // size of one cache of this level
  int count = 0;       // how many there are
};

// What the machine looks like from here: only the PUs in this process's affinity mask.
struct Topology {
  std::vector<ProcessingUnit> pus;  // sorted by (numa, l3, core, os_index)
  int cores = 0;                    // physical cores with at least one usable PU
  int l3_groups = 0;
  int numa_nodes = 0;
  int packages = 0;
  std::vector<CacheLevel> caches;  // data/unified caches, by depth
  std::string cpu_model;           // e.g. "Intel(R) Xeon(R) Platinum 8480+"
  bool from_hwloc = false;         // false: a flat guess (one PU per core) from the mask alone
};

// Reads the topology with hwloc, restricted to this process's CPU affinity. When
// `synthetic` is not empty it is an hwloc synthetic description instead of this machine, such
// as "pack:2 l3:2 core:4 pu:2" (tests). False with *err when hwloc cannot load it; callers
// may then fall back to FlatTopology().
bool LoadTopology(Topology* out, std::string* err, const std::string& synthetic = "");

// One PU per core, all in one L3 and one NUMA node: what is known without hwloc.
Topology FlatTopology(const std::vector<int>& os_indexes);

// The kernel numbers of the CPUs in this thread's affinity mask, ascending (for FlatTopology).
std::vector<int> AffinityOsIndexes();

}  // namespace coreflow
