#include "mpi/launcher.h"

#include <fmt/format.h>

#include "base/parse.h"

namespace coreflow {

bool IsLauncherVariable(std::string_view name) {
  static constexpr std::string_view kPrefixes[] = {
      "PMI_", "PMIX_", "HYDI_", "HYDRA_", "MPI_LOCALRANKID", "MPI_LOCALNRANKS",
      // Open MPI's mpirun: the job, and its own components' settings for the rank.
      "OMPI_COMM_WORLD_", "OMPI_UNIVERSE_SIZE", "OMPI_APP_CTX_NUM_PROCS", "OMPI_ARGV",
      "OMPI_COMMAND", "OMPI_FILE_LOCATION", "OMPI_FIRST_RANKS", "OMPI_NUM_APP_CTX", "OMPI_MCA_ess",
      "OMPI_MCA_orte_", "OMPI_MCA_pmix", "OMPI_MCA_initial_wdir",
      "OMPI_MCA_shmem_RUNTIME_QUERY_hint"};
  for (std::string_view prefix : kPrefixes) {
    if (name.starts_with(prefix)) return true;
  }
  return false;
}

void HideLauncher(Environment* env, int rank, int ranks) {
  for (const std::string& entry : env->Entries()) {
    std::string name = entry.substr(0, entry.find('='));
    if (IsLauncherVariable(name)) env->Unset(name);
  }
  env->Set("COREFLOW_RANK", std::to_string(rank));
  env->Set("COREFLOW_RANKS", std::to_string(ranks));
}

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
