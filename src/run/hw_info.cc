#include "run/hw_info.h"

#include "sys/cpuinfo.h"

namespace coreflow {

HwInfo GatherHwInfo(const Environment& env, const std::string& root) {
  HwInfo info;
  info.cpu = DetectCpuBudget(env, root);
  info.affinity_cpus = AffinityOsIndexes();
  info.memory = DetectMemoryBudget(env, root);
  info.granted_memory = GrantedMemoryBytes(info.memory, root);
  std::string cpuinfo = ReadCpuinfo();
  if (!LoadTopology(&info.topology, &info.topology_error)) {
    info.topology = FlatTopology(info.affinity_cpus);
    info.topology.cpu_model = CpuinfoField(cpuinfo, "model name");
    if (info.topology_error.empty()) info.topology_error = "hwloc failed";
  }
  info.gpus = DetectGpus(env);
  if (const std::string* v = env.Get("CUDA_VISIBLE_DEVICES")) info.cuda_visible_devices = *v;
  info.blas = DetectBlas(env);
  info.slurm = ReadSlurmAllocation(env);
  info.signature =
      MakeHwSignature(SignatureInputsFrom(info.topology, info.cpu, info.granted_memory, cpuinfo));
  return info;
}

}  // namespace coreflow
