#include "sys/topology.h"

#include <hwloc.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <tuple>
#include <utility>

#include "sys/cpuinfo.h"

namespace coreflow {
namespace {

struct TopologyDeleter {
  void operator()(hwloc_topology* t) const { hwloc_topology_destroy(t); }
};
using TopologyPtr = std::unique_ptr<hwloc_topology, TopologyDeleter>;

struct BitmapDeleter {
  void operator()(hwloc_bitmap_s* b) const { hwloc_bitmap_free(b); }
};
using BitmapPtr = std::unique_ptr<hwloc_bitmap_s, BitmapDeleter>;

// Numbers the objects it is given 0, 1, ... in hwloc's order (depth, then logical index).
class DenseIds {
 public:
  void Add(hwloc_obj_t obj) {
    if (obj != nullptr) ids_.emplace(Key(obj), 0);
  }
  void Number() {
    int next = 0;
    for (auto& [key, id] : ids_) id = next++;
  }
  int Of(hwloc_obj_t obj) const {
    auto it = obj == nullptr ? ids_.end() : ids_.find(Key(obj));
    return it == ids_.end() ? 0 : it->second;
  }
  int Count() const { return std::max<int>(1, static_cast<int>(ids_.size())); }

 private:
  static std::pair<int, unsigned> Key(hwloc_obj_t obj) { return {obj->depth, obj->logical_index}; }
  std::map<std::pair<int, unsigned>, int> ids_;
};

// The groups one usable PU belongs to, as hwloc objects (null where there is none).
struct PuObjects {
  hwloc_obj_t pu = nullptr;
  hwloc_obj_t core = nullptr;
  hwloc_obj_t l3 = nullptr;
  hwloc_obj_t numa = nullptr;
  hwloc_obj_t package = nullptr;
};

// hwloc 2 hangs NUMA nodes beside the CPUs as memory children, so find the one covering the PU.
hwloc_obj_t NumaNodeOf(hwloc_topology_t topo, hwloc_obj_t pu) {
  hwloc_obj_t node = nullptr;
  while ((node = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, node)) != nullptr) {
    if (node->cpuset != nullptr && hwloc_bitmap_isset(node->cpuset, pu->os_index)) return node;
  }
  return nullptr;
}

std::vector<PuObjects> UsablePus(hwloc_topology_t topo, hwloc_const_bitmap_t mask) {
  std::vector<PuObjects> out;
  hwloc_obj_t pu = nullptr;
  while ((pu = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PU, pu)) != nullptr) {
    if (!hwloc_bitmap_isset(mask, pu->os_index)) continue;
    PuObjects p;
    p.pu = pu;
    p.core = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_CORE, pu);
    if (p.core == nullptr) p.core = pu;  // no core level: each PU is its own core
    p.package = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_PACKAGE, pu);
    p.l3 = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_L3CACHE, pu);
    if (p.l3 == nullptr) p.l3 = p.package;
    p.numa = NumaNodeOf(topo, pu);
    out.push_back(p);
  }
  return out;
}

// Size and number of the data/unified caches of one level that serve a usable PU.
void AddCacheLevel(hwloc_topology_t topo, hwloc_obj_type_t type, int depth,
                   hwloc_const_bitmap_t mask, std::vector<CacheLevel>* out) {
  CacheLevel level;
  level.depth = depth;
  hwloc_obj_t cache = nullptr;
  while ((cache = hwloc_get_next_obj_by_type(topo, type, cache)) != nullptr) {
    if (cache->attr->cache.type == HWLOC_OBJ_CACHE_INSTRUCTION) continue;
    if (!hwloc_bitmap_intersects(cache->cpuset, mask)) continue;
    if (level.count++ == 0) level.bytes = cache->attr->cache.size;
  }
  if (level.count > 0) out->push_back(level);
}

std::string CpuModel(const std::vector<PuObjects>& pus, bool synthetic) {
  for (const PuObjects& p : pus) {
    const char* model =
        p.package == nullptr ? nullptr : hwloc_obj_get_info_by_name(p.package, "CPUModel");
    if (model != nullptr && *model != '\0') return model;
  }
  // A synthetic machine is not this one, so /proc/cpuinfo says nothing about it.
  return synthetic ? "" : CpuinfoField(ReadCpuinfo(), "model name");
}

Topology Summarize(hwloc_topology_t topo, hwloc_const_bitmap_t mask, bool synthetic) {
  std::vector<PuObjects> objs = UsablePus(topo, mask);
  DenseIds cores, l3s, numas, packages;
  for (const PuObjects& p : objs) {
    cores.Add(p.core);
    l3s.Add(p.l3);
    numas.Add(p.numa);
    packages.Add(p.package);
  }
  for (DenseIds* ids : {&cores, &l3s, &numas, &packages}) ids->Number();

  Topology t;
  t.from_hwloc = true;
  for (const PuObjects& p : objs) {
    t.pus.push_back({static_cast<int>(p.pu->os_index), cores.Of(p.core), l3s.Of(p.l3),
                     numas.Of(p.numa), packages.Of(p.package)});
  }
  std::sort(t.pus.begin(), t.pus.end(), [](const ProcessingUnit& a, const ProcessingUnit& b) {
    return std::tie(a.numa, a.l3, a.core, a.os_index) < std::tie(b.numa, b.l3, b.core, b.os_index);
  });
  t.cores = cores.Count();
  t.l3_groups = l3s.Count();
  t.numa_nodes = numas.Count();
  t.packages = packages.Count();
  AddCacheLevel(topo, HWLOC_OBJ_L1CACHE, 1, mask, &t.caches);
  AddCacheLevel(topo, HWLOC_OBJ_L2CACHE, 2, mask, &t.caches);
  AddCacheLevel(topo, HWLOC_OBJ_L3CACHE, 3, mask, &t.caches);
  t.cpu_model = CpuModel(objs, synthetic);
  return t;
}

}  // namespace

bool LoadTopology(Topology* out, std::string* err, const std::string& synthetic) {
  hwloc_topology_t raw = nullptr;
  if (hwloc_topology_init(&raw) != 0) {
    *err = "hwloc: cannot initialize a topology";
    return false;
  }
  TopologyPtr topo(raw);
  if (!synthetic.empty() && hwloc_topology_set_synthetic(topo.get(), synthetic.c_str()) != 0) {
    *err = "hwloc: invalid synthetic topology \"" + synthetic + "\"";
    return false;
  }
  if (hwloc_topology_load(topo.get()) != 0) {
    *err = "hwloc: cannot load the topology";
    return false;
  }
  // A synthetic machine is all usable; this one only as far as the affinity mask allows.
  BitmapPtr mask(hwloc_bitmap_dup(hwloc_topology_get_topology_cpuset(topo.get())));
  if (mask == nullptr) {
    *err = "hwloc: out of memory";
    return false;
  }
  if (synthetic.empty()) {
    // The calling thread's mask as AffinityCpuCount() sees it; hwloc's own binding query
    // answers "everything" for a topology that HWLOC_XMLFILE or HWLOC_SYNTHETIC made up.
    hwloc_bitmap_zero(mask.get());
    for (int cpu : AffinityOsIndexes()) hwloc_bitmap_set(mask.get(), static_cast<unsigned>(cpu));
  }
  Topology t = Summarize(topo.get(), mask.get(), !synthetic.empty());
  if (t.pus.empty()) {
    *err = "hwloc: no processing unit of the topology is in the CPU affinity mask";
    return false;
  }
  *out = std::move(t);
  return true;
}

Topology FlatTopology(const std::vector<int>& os_indexes) {
  std::vector<int> sorted = os_indexes;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  Topology t;
  for (size_t i = 0; i < sorted.size(); ++i) {
    ProcessingUnit pu;
    pu.os_index = sorted[i];
    pu.core = static_cast<int>(i);
    t.pus.push_back(pu);
  }
  t.cores = static_cast<int>(t.pus.size());
  t.l3_groups = 1;
  t.numa_nodes = 1;
  t.packages = 1;
  return t;
}

std::vector<int> AffinityOsIndexes() {
  std::vector<int> cpus;
  // Masks grow with the machine; retry with a larger set until the kernel accepts it.
  for (size_t n = 1024; n <= (1u << 20); n *= 4) {
    cpu_set_t* set = CPU_ALLOC(n);
    if (set == nullptr) break;
    size_t size = CPU_ALLOC_SIZE(n);
    CPU_ZERO_S(size, set);
    if (sched_getaffinity(0, size, set) == 0) {
      for (size_t i = 0; i < n; ++i) {
        if (CPU_ISSET_S(i, size, set)) cpus.push_back(static_cast<int>(i));
      }
      CPU_FREE(set);
      break;
    }
    CPU_FREE(set);
    if (errno != EINVAL) break;
  }
  return cpus;
}

}  // namespace coreflow
