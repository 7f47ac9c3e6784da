#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/environment.h"
#include "run/run_flags.h"
#include "sys/cpu.h"
#include "sys/gpu.h"
#include "sys/memory.h"
#include "sys/topology.h"

namespace coreflow {

// Everything `coreflow run` learns from the machine before it plans: the plan is a pure
// function of the flags, the environment and this, so tests stand a fake in for it.
struct MachineProbe {
  bool stdin_is_terminal = false;
  bool stderr_is_terminal = false;
  CpuBudget cpus;
  // With --mem-per-task: the memory new tasks may use, and which bound decided it.
  MemoryBudget memory;
  // With --memfree: all of the machine's memory (MemTotal); nullopt when unknown.
  std::optional<uint64_t> mem_total;
  // With --bind: what the slots' CPUs are carved from, and where that picture came from.
  Topology topology;
  std::string topology_source;
  // When tasks ask for GPUs and neither --gpus nor a *_VISIBLE_DEVICES variable names them:
  // what nvidia-smi lists.
  GpuList gpus;
};

// Asks the OS (through sys/) for what the flags need: the one place the plan's inputs come
// from the machine. COREFLOW_MEMINFO_ROOT in `env` stands a directory in for /proc/meminfo.
MachineProbe ProbeMachine(const RunFlags& flags, const Environment& env);

}  // namespace coreflow
