#include "mpi/launch_check.h"

#include <fmt/format.h>

#include "base/parse.h"

namespace coreflow {

std::string CheckLaunch(int size, const Environment& env, const std::string& built_with) {
  if (size != 1) return "";
  // What each launcher tells the processes it started: how many it started.
  static const char* const kLaunched[][2] = {
      {"PMI_SIZE", "MPICH's mpirun (Hydra)"},
      {"OMPI_COMM_WORLD_SIZE", "Open MPI's mpirun"},
      {"SLURM_STEP_NUM_TASKS", "srun"},
  };
  for (const auto& [name, launcher] : kLaunched) {
    const std::string* value = env.Get(name);
    int64_t started = 0;
    if (value == nullptr || !ParseInt(*value, &started) || started <= 1) continue;
    return fmt::format(
        "{} started {} processes ({}={}), but MPI sees a job of 1: each would run every input. "
        "This coreflow-mpi is built with {}: start it with that MPI's mpirun, or with "
        "srun --mpi=pmi2 (MPICH) or --mpi=pmix (Open MPI)",
        launcher, started, name, *value, built_with);
  }
  return "";
}

}  // namespace coreflow
