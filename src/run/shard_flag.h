#pragma once

#include <cstdint>
#include <string>

#include "base/environment.h"

namespace coreflow {

// --shard: which of n disjoint parts of the inputs this run takes.
struct ShardChoice {
  uint32_t index = 0;  // 0-based; shown as index + 1 ("2/4", {shard})
  uint32_t count = 1;
  std::string from;  // where `auto` found it ("SLURM_PROCID/SLURM_NTASKS"), for messages
};

// Reads "i/n" (1 <= i <= n) or "auto": a Slurm job array's task (SLURM_ARRAY_TASK_ID, _MIN,
// _STEP and _COUNT), else the task of an `srun -n N` step (SLURM_PROCID, SLURM_NTASKS). False
// with *err naming what is wrong or missing.
bool ParseShard(const std::string& text, const Environment& env, ShardChoice* out,
                std::string* err);

// `path` with each {shard} replaced by the shard's number (1 to n), so that every shard of a
// job writes its own journal. False with *err when the path has {shard} and there is one shard.
bool ShardPath(const std::string& path, const ShardChoice& shard, bool sharded, std::string* out,
               std::string* err);

}  // namespace coreflow
