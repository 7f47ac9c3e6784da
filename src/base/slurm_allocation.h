#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/environment.h"

namespace coreflow {

// One node of a Slurm job, as the job's environment describes it.
struct SlurmNode {
  std::string name;
  int cpus = 0;            // SLURM_JOB_CPUS_PER_NODE; 0 when not said
  int gpus = -1;           // SLURM_GPUS_PER_NODE (or SLURM_GPUS_ON_NODE for this node); -1: unknown
  bool this_node = false;  // SLURMD_NODENAME
};

// The nodes of the Slurm job coreflow runs in: `coreflow hw` shows them, so that a user sees
// what `--shard auto` and `srun` will spread over before the job's work starts.
struct SlurmAllocation {
  std::string job_id;  // SLURM_JOB_ID; empty: not in a Slurm job
  std::vector<SlurmNode> nodes;
  std::string problem;  // a variable that could not be read, and so what is missing; or empty
};

// Reads SLURM_JOB_ID, SLURM_JOB_NODELIST, SLURM_JOB_CPUS_PER_NODE, SLURM_GPUS_PER_NODE,
// SLURM_GPUS_ON_NODE and SLURMD_NODENAME.
SlurmAllocation ReadSlurmAllocation(const Environment& env);

// "node[01-03,7],gpu1" -> node01 node02 node03 node7 gpu1, as Slurm's hostlists go (ranges keep
// the zero padding of their first number; several bracket groups multiply). False with *err
// on malformed text or more than kMaxHosts names.
inline constexpr size_t kMaxHosts = 1'000'000;
bool ExpandHostlist(std::string_view text, std::vector<std::string>* out, std::string* err);

// "64(x2),32" -> 64 64 32 (SLURM_JOB_CPUS_PER_NODE's form). False on malformed text.
bool ExpandCountsPerNode(std::string_view text, std::vector<int>* out);

// The count in a GPU request: "4", "a100:4", "gpu:a100:4" -> 4. False on malformed text.
bool ParseGpuCount(std::string_view text, int* out);

}  // namespace coreflow
