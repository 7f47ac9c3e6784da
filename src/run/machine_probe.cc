#include "run/machine_probe.h"

#include <unistd.h>

#include <fmt/format.h>

#include "base/plural.h"
#include "run/gpu_plan.h"
#include "run/messages.h"
#include "sys/fd.h"

namespace coreflow {
namespace {

// hwloc's picture of the CPUs, or without it a flat one from the affinity mask alone.
void ProbeTopology(MachineProbe* probe) {
  Topology& topology = probe->topology;
  std::string why;
  if (!LoadTopology(&topology, &why)) {
    topology = FlatTopology(AffinityOsIndexes());
    probe->topology_source = "the CPU affinity mask (hwloc: " + why + ")";
    return;
  }
  probe->topology_source =
      fmt::format("hwloc: {}, {}, {}", Plural(topology.numa_nodes, "NUMA node"),
                  Plural(topology.l3_groups, "L3 group"), Plural(topology.cores, "core"));
}

}  // namespace

MachineProbe ProbeMachine(const RunFlags& flags, const Environment& env) {
  MachineProbe probe;
  probe.stdin_is_terminal = IsTerminal(STDIN_FILENO);
  probe.stderr_is_terminal = MessagesFd() >= 0 && IsTerminal(MessagesFd());
  probe.cpus = DetectCpuBudget(env);
  if (!flags.mem_per_task.empty()) probe.memory = DetectMemoryBudget(env);
  if (!flags.memfree.empty()) {
    const std::string* root = env.Get("COREFLOW_MEMINFO_ROOT");
    uint64_t total = 0;
    if (ReadMemTotal(root != nullptr ? *root : "", &total)) probe.mem_total = total;
  }
  if (flags.bind) ProbeTopology(&probe);
  std::vector<std::string> ids;
  std::string which;
  bool asks_gpus = !flags.gpus_per_task.empty() || flags.stages_ask_gpus;
  if (asks_gpus && flags.gpus.empty() && !VisibleDevicesFromEnvironment(env, &ids, &which)) {
    probe.gpus = DetectGpus(env);  // nvidia-smi, with a time limit
  }
  return probe;
}

}  // namespace coreflow
