#include "cli/hw_output.h"

namespace coreflow {
namespace {

using nlohmann::json;

// Null for "not set" so that a reader can tell it from a measured 0.
json PositiveOrNull(double v) { return v > 0 ? json(v) : json(nullptr); }
json TextOrNull(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json CpuJson(const HwInfo& info) {
  const CpuBudget& c = info.cpu;
  return {{"usable_cores", c.usable},
          {"limited_by", c.limited_by},
          {"affinity_pus", c.affinity_pus},
          {"affinity_cpus", info.affinity_cpus},
          {"physical_cores", info.topology.cores},
          {"cgroup_quota_cpus", PositiveOrNull(c.cgroup_quota)},
          {"cgroup_quota_file", TextOrNull(c.cgroup_file)},
          {"slurm_cpus_on_node", c.slurm_cpus > 0 ? json(c.slurm_cpus) : json(nullptr)},
          {"coreflow_cores", c.override_cpus > 0 ? json(c.override_cpus) : json(nullptr)}};
}

json MemoryJson(const HwInfo& info) {
  const MemoryBudget& m = info.memory;
  return {{"usable_bytes", m.usable_bytes},
          {"source", TextOrNull(m.source)},
          {"mem_available_bytes", m.mem_available > 0 ? json(m.mem_available) : json(nullptr)},
          {"cgroup_headroom_bytes", m.cgroup_limit ? json(*m.cgroup_limit) : json(nullptr)},
          {"slurm_bytes", m.slurm_limit ? json(*m.slurm_limit) : json(nullptr)},
          {"granted_bytes", info.granted_memory}};
}

json TopologyJson(const HwInfo& info) {
  const Topology& t = info.topology;
  json caches = json::array();
  for (const CacheLevel& c : t.caches) {
    caches.push_back({{"level", c.depth}, {"bytes", c.bytes}, {"count", c.count}});
  }
  json pus = json::array();
  for (const ProcessingUnit& p : t.pus) {
    pus.push_back({{"os_index", p.os_index},
                   {"core", p.core},
                   {"l3", p.l3},
                   {"numa", p.numa},
                   {"package", p.package}});
  }
  return {{"source", t.from_hwloc ? "hwloc" : "flat"},
          {"error", TextOrNull(info.topology_error)},
          {"cpu_model", t.cpu_model},
          {"packages", t.packages},
          {"numa_nodes", t.numa_nodes},
          {"l3_groups", t.l3_groups},
          {"cores", t.cores},
          {"pus", t.pus.size()},
          {"caches", caches},
          {"pu_list", pus}};
}

json GpusJson(const HwInfo& info) {
  json visible = json::array();
  for (const Gpu& g : info.gpus.gpus) {
    visible.push_back(
        {{"index", g.index}, {"name", g.name}, {"uuid", g.uuid}, {"mig_devices", g.mig_uuids}});
  }
  return {{"visible", visible},
          {"listed", info.gpus.listed},
          {"nvidia_smi_ran", info.gpus.ran},
          {"cuda_visible_devices",
           info.cuda_visible_devices ? json(*info.cuda_visible_devices) : json(nullptr)},
          {"note", TextOrNull(info.gpus.note)}};
}

json BlasJson(const BlasInfo& b) {
  return {{"name", TextOrNull(b.name)},
          {"library", TextOrNull(b.library)},
          {"numpy", TextOrNull(b.numpy)},
          {"how", TextOrNull(b.how)}};
}

// null outside a Slurm job.
json SlurmJson(const SlurmAllocation& a) {
  if (a.job_id.empty()) return nullptr;
  json nodes = json::array();
  for (const SlurmNode& n : a.nodes) {
    nodes.push_back({{"name", n.name},
                     {"cpus", n.cpus > 0 ? json(n.cpus) : json(nullptr)},
                     {"gpus", n.gpus >= 0 ? json(n.gpus) : json(nullptr)},
                     {"this_node", n.this_node}});
  }
  return {{"job_id", a.job_id}, {"nodes", nodes}, {"problem", TextOrNull(a.problem)}};
}

}  // namespace

nlohmann::json HwJson(const HwInfo& info) {
  return {{"coreflow_hw", 1},
          {"cpu", CpuJson(info)},
          {"memory", MemoryJson(info)},
          {"topology", TopologyJson(info)},
          {"gpus", GpusJson(info)},
          {"blas", BlasJson(info.blas)},
          {"slurm", SlurmJson(info.slurm)},
          {"signature", {{"hash", info.signature.hash}, {"text", info.signature.text}}}};
}

}  // namespace coreflow
