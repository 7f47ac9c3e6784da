#include <algorithm>

#include <fmt/format.h>

#include "base/cpu_list.h"
#include "base/plural.h"
#include "cli/hw_output.h"
#include "report/units.h"

namespace coreflow {
namespace {

// Labels are padded to one width so that the values line up.
constexpr int kLabelWidth = 22;

void Row(std::string* out, const std::string& label, const std::string& value) {
  *out += fmt::format("{:<{}}{}\n", label, kLabelWidth, value);
}

std::string OrNone(const std::string& s, const char* none = "none") { return s.empty() ? none : s; }

void CpuRows(const HwInfo& info, std::string* out) {
  const CpuBudget& c = info.cpu;
  *out += "CPU\n";
  Row(out, "  usable cores", fmt::format("{} (limited by {})", c.usable, c.limited_by));
  Row(out, "  usable PUs",
      fmt::format("{} (CPU affinity: {})", c.affinity_pus, FormatCpuList(info.affinity_cpus)));
  Row(out, "  physical cores",
      fmt::format("{}{}", info.topology.cores,
                  info.topology.from_hwloc ? "" : " (a guess: one PU per core)"));
  Row(out, "  cgroup CPU quota",
      c.cgroup_quota > 0 ? fmt::format("{:.2f} CPUs ({})", c.cgroup_quota, c.cgroup_file) : "none");
  Row(out, "  SLURM_CPUS_ON_NODE", c.slurm_cpus > 0 ? std::to_string(c.slurm_cpus) : "not set");
  Row(out, "  COREFLOW_CORES", c.override_cpus > 0 ? std::to_string(c.override_cpus) : "not set");
}

void MemoryRows(const HwInfo& info, std::string* out) {
  const MemoryBudget& m = info.memory;
  *out += "Memory\n";
  Row(out, "  usable",
      m.source.empty()
          ? "unknown"
          : fmt::format("{} ({} less a reserve)", FormatBytes(m.usable_bytes), m.source));
  Row(out, "  MemAvailable", m.mem_available > 0 ? FormatBytes(m.mem_available) : "unknown");
  Row(out, "  cgroup headroom", m.cgroup_limit ? FormatBytes(*m.cgroup_limit) : "no limit");
  Row(out, "  Slurm memory", m.slurm_limit ? FormatBytes(*m.slurm_limit) : "not set");
  Row(out, "  granted", info.granted_memory > 0 ? FormatBytes(info.granted_memory) : "unknown");
}

std::string Caches(const Topology& t) {
  std::string s;
  for (const CacheLevel& c : t.caches) {
    if (!s.empty()) s += ", ";
    s += fmt::format("L{}{} {} x{}", c.depth, c.depth == 1 ? "d" : "", FormatBytes(c.bytes),
                     c.count);
  }
  return OrNone(s, "unknown");
}

void TopologyRows(const HwInfo& info, std::string* out) {
  const Topology& t = info.topology;
  if (t.from_hwloc) {
    *out += "Topology (hwloc)\n";
  } else {
    *out += fmt::format("Topology (a flat guess from the CPU affinity: {})\n", info.topology_error);
  }
  Row(out, "  CPU model", OrNone(t.cpu_model, "unknown"));
  Row(out, "  packages", std::to_string(t.packages));
  Row(out, "  NUMA nodes", std::to_string(t.numa_nodes));
  Row(out, "  L3 groups", std::to_string(t.l3_groups));
  Row(out, "  cores", std::to_string(t.cores));
  Row(out, "  PUs", std::to_string(t.pus.size()));
  Row(out, "  caches", Caches(t));
}

std::string Gpus(const HwInfo& info) {
  const GpuList& g = info.gpus;
  if (g.gpus.empty()) return "none (" + g.note + ")";
  std::string s;
  for (const Gpu& gpu : g.gpus) {
    if (!s.empty()) s += ", ";
    s += fmt::format("{}: {}", gpu.index, gpu.name);
    if (!gpu.mig_uuids.empty())
      s += fmt::format(" ({})", Plural(gpu.mig_uuids.size(), "MIG device"));
  }
  if (info.cuda_visible_devices) {
    s += fmt::format(" ({} of {}, CUDA_VISIBLE_DEVICES={})", g.gpus.size(), g.listed,
                     *info.cuda_visible_devices);
  }
  return s;
}

std::string Blas(const BlasInfo& b) {
  if (b.library.empty()) {
    return b.numpy.empty() ? "not found (no numpy, no libblas.so.3)"
                           : "not found (numpy at " + b.numpy + ")";
  }
  std::string s = fmt::format("{} ({}: {}", OrNone(b.name, "unknown"), b.how, b.library);
  if (!b.numpy.empty()) s += "; numpy at " + b.numpy;
  return s + ")";
}

// "16 CPUs, 2 GPUs": GPUs left out when unknown (-1), CPUs said to be unknown when 0.
std::string NodeCounts(int cpus, int gpus) {
  std::string s = cpus > 0 ? Plural(cpus, "CPU") : "CPUs not said";
  return s + (gpus >= 0 ? ", " + Plural(gpus, "GPU") : "");
}

// The job's nodes, at most kShownNodes of them by name.
void SlurmRows(const SlurmAllocation& a, std::string* out) {
  constexpr size_t kShownNodes = 32;
  int cpus = 0;  // totals, 0 and -1 when a node does not say
  int gpus = 0;
  for (const SlurmNode& n : a.nodes) {
    cpus = cpus < 0 || n.cpus == 0 ? -1 : cpus + n.cpus;
    gpus = gpus < 0 || n.gpus < 0 ? -1 : gpus + n.gpus;
  }
  *out += fmt::format("Slurm job {}\n", a.job_id);
  Row(out, "  nodes",
      fmt::format("{}{}", Plural(a.nodes.size(), "node"),
                  a.nodes.empty() ? "" : ", " + NodeCounts(std::max(cpus, 0), gpus)));
  for (size_t i = 0; i < a.nodes.size() && i < kShownNodes; ++i) {
    const SlurmNode& n = a.nodes[i];
    Row(out, "  " + n.name + (n.this_node ? " (here)" : ""), NodeCounts(n.cpus, n.gpus));
  }
  if (a.nodes.size() > kShownNodes) {
    Row(out, "  ...",
        fmt::format("and {} more (coreflow hw --json lists them all)",
                    a.nodes.size() - kShownNodes));
  }
  if (!a.problem.empty()) Row(out, "  note", a.problem);
}

}  // namespace

std::string HwText(const HwInfo& info) {
  std::string out;
  CpuRows(info, &out);
  MemoryRows(info, &out);
  TopologyRows(info, &out);
  Row(&out, "GPUs", Gpus(info));
  Row(&out, "BLAS", Blas(info.blas));
  if (!info.slurm.job_id.empty()) SlurmRows(info.slurm, &out);
  Row(&out, "signature", info.signature.hash);
  return out;
}

}  // namespace coreflow
