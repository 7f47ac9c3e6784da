#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/environment.h"
#include "base/slurm_allocation.h"
#include "sys/blas.h"
#include "sys/cpu.h"
#include "sys/gpu.h"
#include "sys/hw_signature.h"
#include "sys/memory.h"
#include "sys/topology.h"

namespace coreflow {

// Everything `coreflow hw` reports, gathered once.
struct HwInfo {
  CpuBudget cpu;
  std::vector<int> affinity_cpus;  // kernel CPU numbers in the affinity mask
  MemoryBudget memory;
  uint64_t granted_memory = 0;  // GrantedMemoryBytes: what the signature holds
  Topology topology;
  std::string topology_error;  // why hwloc failed and `topology` is a flat guess; else empty
  GpuList gpus;
  std::optional<std::string> cuda_visible_devices;  // unset: every GPU is visible
  BlasInfo blas;
  SlurmAllocation slurm;  // the job's nodes: empty job_id outside Slurm
  HwSignature signature;
};

// Detects it all. `root` prefixes the /proc and /sys files of the CPU and memory budgets
// (tests fake cgroups with it); hwloc, nvidia-smi and the BLAS look at the real machine.
HwInfo GatherHwInfo(const Environment& env, const std::string& root);

}  // namespace coreflow
