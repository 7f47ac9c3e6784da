#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "coreflow/run_options.h"

namespace coreflow {

struct RunConfig;
struct RunFlags;
class RunObserver;
class TupleQueue;

// What coreflow-mpi (src/mpi/, docs/mpi.md) changes in a run.
struct RunHooks {
  // Called on every rank once the run is planned, before any journal is read or written or
  // any task starts, so that the ranks may meet there: may rename the journal and name others
  // to resume from, and set the Host column; returns the queue the engine takes its inputs
  // from instead of its own sources. Null with *err on what the ranks cannot do.
  std::function<TupleQueue*(RunFlags* flags, RunConfig* config, int slots, std::string* err)> start;
};

// A run's description (the public RunOptions) and what the run works out from it or is
// given from inside: the planning reads this.
struct RunFlags : RunOptions {
  const RunHooks* hooks = nullptr;      // coreflow-mpi's; null otherwise
  std::vector<RunObserver*> observers;  // told of every task
  bool joblog_append = false;           // --joblog +FILE
  uint32_t shard_index = 0;             // from --shard (0-based)
  uint32_t shard_count = 1;
  bool stages_ask_gpus = false;  // a pipeline's stages ask for GPUs (-f FILE)
};

// Whether the run resumes: --resume, --resume-failed, or --resume-from (which implies --resume).
inline bool Resumes(const RunOptions& f) {
  return f.resume || f.resume_failed || !f.resume_from.empty();
}

}  // namespace coreflow
